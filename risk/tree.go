package risk

import "math"

// treeNode is one node of a regression tree. A leaf has Feature -1.
type treeNode struct {
	// Feature is the column the node splits on, or -1 for a leaf.
	Feature int `json:"f"`
	// Threshold sends rows with x <= Threshold (and NaN) to Left.
	Threshold float64 `json:"t,omitempty"`
	// Bin is Threshold as a bin of the training binner, for fast scoring of
	// binned rows during training.
	Bin         uint8 `json:"b,omitempty"`
	Left, Right int32
	// Value is the node's output in log-odds, already scaled by the
	// learning rate; inner nodes keep theirs for per-feature contributions.
	Value float64 `json:"v"`
	// Cover is the sum of hessians of the training rows in the node.
	Cover float64 `json:"c"`
	// Gain is the split's loss reduction (0 for a leaf).
	Gain float64 `json:"g,omitempty"`
}

// tree is a binary regression tree stored as a slice; node 0 is the root.
type tree struct {
	Nodes []treeNode `json:"nodes"`
}

// leaf returns the index of the leaf that row x falls in.
func (t *tree) leaf(x []float64) int {
	i := 0
	for {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			return i
		}
		v := x[n.Feature]
		if v <= n.Threshold || math.IsNaN(v) {
			i = int(n.Left)
		} else {
			i = int(n.Right)
		}
	}
}

// predict returns the tree's output for row x.
func (t *tree) predict(x []float64) float64 { return t.Nodes[t.leaf(x)].Value }

// predictBinned returns the tree's output for row i of binned columns.
func (t *tree) predictBinned(bins [][]uint8, i int) float64 {
	k := 0
	for {
		n := &t.Nodes[k]
		if n.Feature < 0 {
			return n.Value
		}
		if bins[n.Feature][i] <= n.Bin {
			k = int(n.Left)
		} else {
			k = int(n.Right)
		}
	}
}

// contribute adds to contrib, per feature, the change in node value along
// x's path (Saabas' path attribution); the root value plus these changes is
// the tree's output.
func (t *tree) contribute(x []float64, contrib []float64) {
	i := 0
	for {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			return
		}
		v := x[n.Feature]
		next := int(n.Right)
		if v <= n.Threshold || math.IsNaN(v) {
			next = int(n.Left)
		}
		contrib[n.Feature] += t.Nodes[next].Value - n.Value
		i = next
	}
}
