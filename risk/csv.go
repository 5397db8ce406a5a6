package risk

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// CSVSpec says how to read a table of customers from CSV.
type CSVSpec struct {
	// Target is the outcome column.
	Target string
	// Positive is the target value that means the customer left.
	Positive string
	// Drop lists columns to leave out: identifiers and anything computed
	// from the outcome. A name ending in "*" drops every column it prefixes.
	Drop []string
}

// ReadCSV reads a header row and one row per customer. A column whose
// values all parse as numbers is a numeric feature; any other is
// categorical and becomes one 0/1 column per value ("Gender=F"), the values
// in sorted order so the layout does not depend on row order.
func ReadCSV(r io.Reader, spec CSVSpec) (*Dataset, error) {
	records, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	if len(records) < 2 {
		return nil, fmt.Errorf("read csv: %d rows, want a header and at least one customer", len(records))
	}
	header, rows := records[0], records[1:]
	target := slices.Index(header, spec.Target)
	if target < 0 {
		return nil, fmt.Errorf("read csv: no target column %q in the header", spec.Target)
	}
	d := &Dataset{Y: make([]float64, len(rows))}
	seen := false
	for i, rec := range rows {
		if rec[target] == spec.Positive {
			d.Y[i], seen = 1, true
		}
	}
	if !seen {
		return nil, fmt.Errorf("read csv: no row has %s = %q", spec.Target, spec.Positive)
	}
	for j, name := range header {
		if j == target || dropped(name, spec.Drop) {
			continue
		}
		if col, ok := numericColumn(rows, j); ok {
			d.Features = append(d.Features, name)
			d.X = append(d.X, col)
			continue
		}
		names, cols := oneHot(rows, j, name)
		d.Features = append(d.Features, names...)
		d.X = append(d.X, cols...)
	}
	return d, nil
}

func dropped(name string, drop []string) bool {
	for _, d := range drop {
		if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(name, p) || name == d {
			return true
		}
	}
	return false
}

func numericColumn(rows [][]string, j int) ([]float64, bool) {
	col := make([]float64, len(rows))
	for i, rec := range rows {
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
		if err != nil {
			return nil, false
		}
		col[i] = v
	}
	return col, true
}

func oneHot(rows [][]string, j int, name string) ([]string, [][]float64) {
	values := map[string]bool{}
	for _, rec := range rows {
		values[rec[j]] = true
	}
	keys := make([]string, 0, len(values))
	for v := range values {
		keys = append(keys, v)
	}
	sort.Strings(keys)
	names := make([]string, len(keys))
	cols := make([][]float64, len(keys))
	for k, v := range keys {
		names[k] = name + "=" + v
		col := make([]float64, len(rows))
		for i, rec := range rows {
			if rec[j] == v {
				col[i] = 1
			}
		}
		cols[k] = col
	}
	return names, cols
}
