package metrics

// Cached reports whether the cache holds q's answer for this scope (and its
// totals, when asked), without running anything. The server uses it to
// admit cached answers as cheap work. A query that does not compile counts
// as cached: it fails at once, without reaching DuckDB.
func (e *Engine) Cached(q Query, scope Scope) bool {
	if e.cache == nil {
		return false
	}
	cat, now, avail := e.Catalog(), e.now(), e.availableRollups()
	comp, err := cat.CompileRouted(e.dialect, q, now, scope, e.limits, avail)
	if err != nil {
		return true
	}
	if !e.cache.Contains(cacheKey(e.dialect.Name(), comp, e.dataKey(comp))) {
		return false
	}
	if q.Totals {
		tc, err := cat.CompileTotalsRouted(e.dialect, q, now, scope, e.limits, avail)
		if err != nil {
			return true
		}
		return e.cache.Contains(cacheKey(e.dialect.Name(), tc, e.dataKey(tc)))
	}
	return true
}
