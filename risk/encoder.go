package risk

import (
	"slices"
	"sort"
)

// Encoder turns a FeatureTable into a model's Dataset: the numeric columns
// as they are, then one 0/1 column per known value of each categorical
// column. The values are learned from the training rows and kept with the
// model, so scoring builds the same columns; a value unseen in training
// gets zeros in every column of its feature.
type Encoder struct {
	Numeric     []string   `json:"numeric"`
	Categorical []string   `json:"categorical"`
	Levels      [][]string `json:"levels"`
}

// NewEncoder learns the categorical values present in rows of t.
func NewEncoder(t *FeatureTable, rows []int) Encoder {
	e := Encoder{Numeric: slices.Clone(NumericFeatures), Categorical: slices.Clone(CategoricalFeatures)}
	for _, col := range t.Categorical {
		seen := map[string]bool{}
		for _, i := range rows {
			seen[col[i]] = true
		}
		levels := make([]string, 0, len(seen))
		for v := range seen {
			levels = append(levels, v)
		}
		sort.Strings(levels)
		e.Levels = append(e.Levels, levels)
	}
	return e
}

// Features names the Dataset's columns ("segment=年轻" for a level).
func (e Encoder) Features() []string {
	names := slices.Clone(e.Numeric)
	for c, levels := range e.Levels {
		for _, v := range levels {
			names = append(names, e.Categorical[c]+"="+v)
		}
	}
	return names
}

// Dataset builds the model's columns for rows of t, with t's labels.
func (e Encoder) Dataset(t *FeatureTable, rows []int) *Dataset {
	d := &Dataset{Features: e.Features(), Y: make([]float64, len(rows))}
	for j := range e.Numeric {
		col := make([]float64, len(rows))
		for k, i := range rows {
			col[k] = t.Numeric[j][i]
		}
		d.X = append(d.X, col)
	}
	for c, levels := range e.Levels {
		for _, v := range levels {
			col := make([]float64, len(rows))
			for k, i := range rows {
				if t.Categorical[c][i] == v {
					col[k] = 1
				}
			}
			d.X = append(d.X, col)
		}
	}
	for k, i := range rows {
		d.Y[k] = t.Label[i]
	}
	return d
}

// FeatureOf returns the table column a Dataset column comes from: its own
// name for a numeric one, the categorical feature for a level.
func (e Encoder) FeatureOf(j int) string {
	if j < len(e.Numeric) {
		return e.Numeric[j]
	}
	j -= len(e.Numeric)
	for c, levels := range e.Levels {
		if j < len(levels) {
			return e.Categorical[c]
		}
		j -= len(levels)
	}
	return ""
}
