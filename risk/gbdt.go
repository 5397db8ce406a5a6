package risk

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// GBDTParams are the settings of gradient-boosted trees.
type GBDTParams struct {
	// Trees is the most boosting rounds to run.
	Trees int `json:"trees"`
	// LearningRate scales every tree's output (shrinkage).
	LearningRate float64 `json:"learning_rate"`
	// MaxDepth bounds the depth of each tree (a stump has depth 1).
	MaxDepth int `json:"max_depth"`
	// MinLeaf is the fewest training rows a leaf may hold.
	MinLeaf int `json:"min_leaf"`
	// L2 is the penalty on leaf values (lambda); it also keeps leaves of
	// pure nodes finite.
	L2 float64 `json:"l2"`
	// Bins is the most histogram bins per feature, 2 to 256.
	Bins int `json:"bins"`
	// EarlyStop stops training when the validation log-loss has not improved
	// for this many rounds, and keeps the best round; 0 turns it off.
	EarlyStop int `json:"early_stop"`
}

// DefaultGBDTParams are the shipped settings.
func DefaultGBDTParams() GBDTParams {
	return GBDTParams{
		Trees: 500, LearningRate: 0.15, MaxDepth: 4, MinLeaf: 20, L2: 1,
		Bins: 64, EarlyStop: 30,
	}
}

// Validate reports the first setting out of range.
func (p GBDTParams) Validate() error {
	switch {
	case p.Trees < 1:
		return fmt.Errorf("gbdt: trees is %d, want at least 1", p.Trees)
	case p.LearningRate <= 0 || p.LearningRate > 1:
		return fmt.Errorf("gbdt: learning rate is %v, want (0, 1]", p.LearningRate)
	case p.MaxDepth < 1 || p.MaxDepth > 16:
		return fmt.Errorf("gbdt: max depth is %d, want 1 to 16", p.MaxDepth)
	case p.MinLeaf < 1:
		return fmt.Errorf("gbdt: min leaf is %d, want at least 1", p.MinLeaf)
	case p.L2 < 0:
		return fmt.Errorf("gbdt: l2 is %v, want >= 0", p.L2)
	case p.Bins < 2 || p.Bins > 256:
		return fmt.Errorf("gbdt: bins is %d, want 2 to 256", p.Bins)
	case p.EarlyStop < 0:
		return fmt.Errorf("gbdt: early stop is %d, want >= 0", p.EarlyStop)
	}
	return nil
}

// GBDT is a trained gradient-boosted tree ensemble for binary log-loss.
type GBDT struct {
	// Base is the starting log-odds (of the training base rate).
	Base  float64 `json:"base"`
	Trees []tree  `json:"trees"`
	// Importance is each feature's total split gain.
	Importance []float64 `json:"importance"`
	// ValidLoss is the validation log-loss after each round kept.
	ValidLoss []float64 `json:"valid_loss,omitempty"`
}

// Margin returns the raw log-odds for row x.
func (m *GBDT) Margin(x []float64) float64 {
	f := m.Base
	for i := range m.Trees {
		f += m.Trees[i].predict(x)
	}
	return f
}

// Predict returns the uncalibrated probability for row x.
func (m *GBDT) Predict(x []float64) float64 { return sigmoid(m.Margin(x)) }

// Contributions returns, per feature, its share of x's log-odds away from
// the base value: base + root values + the sum of contributions = Margin(x).
// The second result is the part common to every row (base and root values).
func (m *GBDT) Contributions(x []float64) (contrib []float64, bias float64) {
	contrib = make([]float64, len(m.Importance))
	bias = m.Base
	for i := range m.Trees {
		bias += m.Trees[i].Nodes[0].Value
		m.Trees[i].contribute(x, contrib)
	}
	return contrib, bias
}

// TrainGBDT fits gradient-boosted trees to train, stopping early when the
// log-loss on valid (which may be empty) stops improving.
func TrainGBDT(train, valid *Dataset, p GBDTParams) (*GBDT, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	for _, d := range []*Dataset{train, valid} {
		if err := d.Validate(); err != nil {
			return nil, err
		}
	}
	if train.Len() == 0 {
		return nil, errors.New("gbdt: no training rows")
	}
	if len(valid.X) != len(train.X) {
		return nil, fmt.Errorf("gbdt: %d validation features for %d training features", len(valid.X), len(train.X))
	}
	bn := newBinner(train.X, p.Bins)
	g := &grower{p: p, bins: bn.binAll(train.X), binner: bn, y: train.Y}
	return g.boost(valid, bn)
}

// grower holds what every tree of one training run shares.
type grower struct {
	p      GBDTParams
	binner *binner
	bins   [][]uint8 // by feature, then row
	y      []float64
	grad   []float64
	hess   []float64
	rows   []int32 // row indices, partitioned in place node by node
	// ordered holds the gradient pairs of a node's rows in the node's row
	// order, so the per-feature loops read them sequentially.
	ordered []gradPair
	gain    []float64
}

func (g *grower) boost(valid *Dataset, bn *binner) (*GBDT, error) {
	n := len(g.y)
	pos := 0.0
	for _, y := range g.y {
		pos += y
	}
	if pos == 0 || pos == float64(n) {
		return nil, fmt.Errorf("gbdt: the training rows have only one outcome (%v of %d positive)", pos, n)
	}
	base := math.Log(pos / (float64(n) - pos))
	m := &GBDT{Base: base, Importance: make([]float64, len(g.bins))}
	f := make([]float64, n)
	for i := range f {
		f[i] = base
	}
	vbins := bn.binAll(valid.X)
	vf := make([]float64, valid.Len())
	for i := range vf {
		vf[i] = base
	}
	g.grad, g.hess = make([]float64, n), make([]float64, n)
	g.rows = make([]int32, n)
	g.ordered = make([]gradPair, n)
	best, bestLoss, since := 0, math.Inf(1), 0
	var gains [][]float64
	for round := 0; round < g.p.Trees; round++ {
		for i := range f {
			pr := sigmoid(f[i])
			g.grad[i] = pr - g.y[i]
			g.hess[i] = math.Max(pr*(1-pr), 1e-16)
		}
		g.gain = make([]float64, len(g.bins))
		t := g.grow()
		for i := range f {
			f[i] += t.predictBinned(g.bins, i)
		}
		m.Trees = append(m.Trees, t)
		gains = append(gains, g.gain)
		if valid.Len() == 0 {
			continue
		}
		for i := range vf {
			vf[i] += t.predictBinned(vbins, i)
		}
		loss := logLoss(valid.Y, vf)
		m.ValidLoss = append(m.ValidLoss, loss)
		if loss < bestLoss-1e-12 {
			best, bestLoss, since = round, loss, 0
		} else if since++; g.p.EarlyStop > 0 && since >= g.p.EarlyStop {
			break
		}
	}
	if valid.Len() > 0 && g.p.EarlyStop > 0 {
		m.Trees = m.Trees[:best+1]
		m.ValidLoss = m.ValidLoss[:best+1]
		gains = gains[:best+1]
	}
	for _, gs := range gains {
		for j, v := range gs {
			m.Importance[j] += v
		}
	}
	return m, nil
}

// histBin accumulates the gradients, hessians and rows of one bin.
type histBin struct {
	g, h float64
	n    int32
}

// histogram holds one histBin slice per feature for the rows of one node.
type histogram [][]histBin

// split is a candidate split of a node.
type split struct {
	feature int
	bin     uint8
	gain    float64
	gl, hl  float64
	nl      int32
}

// grow builds one tree depth-first on the current gradients.
func (g *grower) grow() tree {
	for i := range g.rows {
		g.rows[i] = int32(i)
	}
	t := tree{}
	h := g.histogram(g.rows)
	var G, H float64
	for _, b := range h[0] {
		G += b.g
		H += b.h
	}
	g.node(&t, g.rows, h, G, H, 0)
	return t
}

// node appends the node for rows (with histogram h and sums G, H) and its
// subtree to t, returning its index.
func (g *grower) node(t *tree, rows []int32, h histogram, G, H float64, depth int) int32 {
	idx := int32(len(t.Nodes))
	t.Nodes = append(t.Nodes, treeNode{Feature: -1, Value: g.leafValue(G, H), Cover: H})
	if depth >= g.p.MaxDepth || len(rows) < 2*g.p.MinLeaf {
		return idx
	}
	s, ok := g.bestSplit(h, G, H, int32(len(rows)))
	if !ok {
		return idx
	}
	col := g.bins[s.feature]
	// Partition rows in place: left rows first.
	l := 0
	for r := range rows {
		if col[rows[r]] <= s.bin {
			rows[l], rows[r] = rows[r], rows[l]
			l++
		}
	}
	left, right := rows[:l], rows[l:]
	var hl, hr histogram
	if len(left) <= len(right) {
		hl = g.histogram(left)
		hr = subtract(h, hl)
	} else {
		hr = g.histogram(right)
		hl = subtract(h, hr)
	}
	g.gain[s.feature] += s.gain
	li := g.node(t, left, hl, s.gl, s.hl, depth+1)
	ri := g.node(t, right, hr, G-s.gl, H-s.hl, depth+1)
	n := &t.Nodes[idx]
	n.Feature, n.Bin, n.Left, n.Right, n.Gain = s.feature, s.bin, li, ri, s.gain
	n.Threshold = g.binner.edges[s.feature][s.bin]
	return idx
}

func (g *grower) leafValue(G, H float64) float64 {
	return -G / (H + g.p.L2) * g.p.LearningRate
}

// bestSplit returns the split of highest gain over all features and bins;
// ties go to the lower feature, then the lower bin, so training is
// deterministic.
func (g *grower) bestSplit(h histogram, G, H float64, n int32) (split, bool) {
	lambda := g.p.L2
	parent := G * G / (H + lambda)
	best := split{gain: 1e-12}
	found := false
	for f, bins := range h {
		var gl, hl float64
		var nl int32
		for b := 0; b < len(bins)-1; b++ {
			gl += bins[b].g
			hl += bins[b].h
			nl += bins[b].n
			if nl < int32(g.p.MinLeaf) {
				continue
			}
			if n-nl < int32(g.p.MinLeaf) {
				break
			}
			gr, hr := G-gl, H-hl
			gain := 0.5 * (gl*gl/(hl+lambda) + gr*gr/(hr+lambda) - parent)
			if gain > best.gain {
				best = split{feature: f, bin: uint8(b), gain: gain, gl: gl, hl: hl, nl: nl}
				found = true
			}
		}
	}
	return best, found
}

// gradPair is one row's gradient and hessian.
type gradPair struct{ g, h float64 }

// histogram sums gradients and hessians of rows by feature and bin, the
// features spread over the available cores (each feature is summed by one
// goroutine in row order, so results do not depend on scheduling).
func (g *grower) histogram(rows []int32) histogram {
	ordered := g.ordered[:len(rows)]
	for k, r := range rows {
		ordered[k] = gradPair{g.grad[r], g.hess[r]}
	}
	h := make(histogram, len(g.bins))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(g.bins) {
		workers = len(g.bins)
	}
	if len(rows) < 4096 {
		workers = 1
	}
	one := func(f int) {
		hb := make([]histBin, g.binner.numBins(f))
		col := g.bins[f]
		for k, r := range rows {
			b := &hb[col[r]]
			b.g += ordered[k].g
			b.h += ordered[k].h
			b.n++
		}
		h[f] = hb
	}
	if workers == 1 {
		for f := range g.bins {
			one(f)
		}
		return h
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for f := w; f < len(g.bins); f += workers {
				one(f)
			}
		}(w)
	}
	wg.Wait()
	return h
}

// subtract returns parent minus child, the histogram of the sibling.
func subtract(parent, child histogram) histogram {
	out := make(histogram, len(parent))
	for f := range parent {
		hb := make([]histBin, len(parent[f]))
		for b := range hb {
			hb[b] = histBin{
				g: parent[f][b].g - child[f][b].g,
				h: parent[f][b].h - child[f][b].h,
				n: parent[f][b].n - child[f][b].n,
			}
		}
		out[f] = hb
	}
	return out
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logLoss is the mean binary cross-entropy of outcomes y at log-odds f.
func logLoss(y, f []float64) float64 {
	s := 0.0
	for i, v := range f {
		// log(1+e^v) - y v, computed without overflow.
		s += softplus(v) - y[i]*v
	}
	return s / float64(len(f))
}

func softplus(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}
