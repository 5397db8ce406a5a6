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
