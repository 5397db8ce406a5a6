package metrics

// Cached reports whether the cache holds q's answer for this scope (and its
// totals, when asked), without running anything. The server uses it to
// admit cached answers as cheap work. A query that does not compile counts
// as cached: it fails at once, without reaching DuckDB.
func (e *Engine) Cached(q Query, scope Scope) bool {
	if e.cache == nil {
		return false
	}
	// The clock of Run, so that the key is the one Run will look up.
	cat, now, avail := e.Catalog(), e.queryNow(q), e.rollups.Load()
	comp, err := e.compileRouted(cat, q, now, scope, avail, false)
	if err != nil {
		return true
	}
	if !e.cache.Contains(cacheKey(e.dialect.Name(), comp, e.dataKey(comp))) {
		return false
	}
	if q.Totals {
		tc, err := e.compileRouted(cat, q, now, scope, avail, true)
		if err != nil {
			return true
		}
		return e.cache.Contains(cacheKey(e.dialect.Name(), tc, e.dataKey(tc)))
	}
	return true
}
