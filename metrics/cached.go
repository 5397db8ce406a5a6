package metrics

// Cached reports whether the cache holds q's answer for this scope (and its
// totals, when asked), without running anything. The server uses it to
// admit cached answers as cheap work. A query that does not compile counts
// as cached: it fails at once, without reaching DuckDB.
func (e *Engine) Cached(q Query, scope Scope) bool {
	if e.cache == nil {
		return false
	}
	cat, now, version := e.Catalog(), e.now(), e.db.Version()
	comp, err := cat.Compile(e.dialect, q, now, scope, e.limits)
	if err != nil {
		return true
	}
	if !e.cache.Contains(cacheKey(e.dialect.Name(), comp, version)) {
		return false
	}
	if q.Totals {
		tc, err := cat.CompileTotals(e.dialect, q, now, scope, e.limits)
		if err != nil {
			return true
		}
		return e.cache.Contains(cacheKey(e.dialect.Name(), tc, version))
	}
	return true
}
