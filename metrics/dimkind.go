package metrics

// NumericDimension reports whether a dimension holds numbers, so that a
// question may put a condition on it (over 50, 50岁以上, between 3 and 5).
func (c *Catalog) NumericDimension(name string) bool {
	d, ok := c.dims[name]
	if !ok {
		return false
	}
	t := c.dimType(d)
	return isIntType(t) || isFloatType(t)
}

// RowDimension returns the numeric dimension that holds, row by row, the
// column a simple metric adds up (席位数 sums seats; the dimension 客户席位数
// is each account's seats), so that "accounts with at least 100 seats" can
// be read as a condition on each row. It needs the same table and column
// (a measure's column, not an expression of its own).
func (c *Catalog) RowDimension(metric string) (string, bool) {
	m, ok := c.metrics[metric]
	if !ok || m.Type != "simple" {
		return "", false
	}
	ms, ok := c.measures[m.Measure]
	if !ok || ms.Column == "" || ms.Filter != "" || ms.Agg == "count" || ms.Agg == "count_distinct" {
		return "", false
	}
	for _, name := range c.dimNames {
		d, found := ms.source.dims[name]
		if found && d.Expr == "" && d.Column == ms.Column && c.NumericDimension(name) {
			return name, true
		}
	}
	return "", false
}

// BooleanDimension reports whether a dimension holds true and false, so
// that a question may name it as a flag (持有联名卡, without autopay).
func (c *Catalog) BooleanDimension(name string) bool {
	d, ok := c.dims[name]
	return ok && c.dimType(d) == "BOOLEAN"
}
