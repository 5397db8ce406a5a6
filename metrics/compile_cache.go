package metrics

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// planCacheEntries bounds the compiled queries an engine keeps.
const planCacheEntries = 1024

// newPlanCache is the cache of compiled queries: the server compiles each
// query twice (to admit it as cached or not, then to run it) and the same
// shapes come again and again, while compiling costs as much as a small
// rollup read takes DuckDB to plan.
func newPlanCache() *lru.Cache[string, planEntry] {
	c, _ := lru.New[string, planEntry](planCacheEntries) // errors only on a size < 1
	return c
}

// planEntry is a compiled query and what its key names by address: held
// here, they stay alive, so no later catalog, extents or rollup state can
// be given the same address while the entry is kept.
type planEntry struct {
	comp   *Compiled
	cat    *Catalog
	ext    *extents
	rolled *RollupAvailability
}

// compileRouted is Catalog.CompileRouted (or CompileTotalsRouted) through
// the engine's cache of compiled queries. A compiled query is shared and
// read-only. Its key holds everything the compiler reads: the catalog
// (a model reload swaps it), the data extents and the data version it
// compiled against, the rollups available, the minute of now (ranges are
// days and months in a zone, so within one minute they resolve the same),
// the scope and the query itself.
func (e *Engine) compileRouted(cat *Catalog, q Query, now time.Time, scope Scope, avail *RollupAvailability, totals bool) (*Compiled, error) {
	var rolled RollupAvailability
	if avail != nil {
		rolled = *avail
	}
	compile := func() (*Compiled, error) {
		if totals {
			return cat.CompileTotalsRouted(e.dialect, q, now, scope, e.limits, rolled)
		}
		return cat.CompileRouted(e.dialect, q, now, scope, e.limits, rolled)
	}
	ext := cat.extents.Load()
	key, ok := planKey(cat, ext, q, now, scope, avail, totals, e.db.Version())
	if !ok || e.plans == nil {
		return compile()
	}
	if pe, hit := e.plans.Get(key); hit {
		return pe.comp, nil
	}
	comp, err := compile()
	if err == nil {
		e.plans.Add(key, planEntry{comp: comp, cat: cat, ext: ext, rolled: avail})
	}
	return comp, err
}

// planKey is the cache key of a compile; ok is false for a query whose
// filter values JSON would not tell apart (only the types a JSON body
// decodes to are keyed).
func planKey(cat *Catalog, ext *extents, q Query, now time.Time, scope Scope, avail *RollupAvailability, totals bool, version uint64) (string, bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "%p|%p|%p|%d|%d|%t|", cat, ext, avail, version, now.Truncate(time.Minute).Unix(), totals)
	typed := func(v any) bool {
		switch v.(type) {
		case nil, string, float64, bool:
			fmt.Fprintf(&b, "%T,", v)
			return true
		}
		return false
	}
	for _, f := range q.Filters {
		if !typed(f.Value) {
			return "", false
		}
		for _, v := range f.Values {
			if !typed(v) {
				return "", false
			}
		}
	}
	for _, h := range q.Having {
		if !typed(h.Value) {
			return "", false
		}
		for _, v := range h.Values {
			if !typed(v) {
				return "", false
			}
		}
	}
	keys := make([]string, 0, len(scope))
	for k := range scope {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%q=%q", k, scope[k])
	}
	j, err := json.Marshal(q)
	if err != nil {
		return "", false
	}
	b.WriteByte('|')
	b.Write(j)
	return b.String(), true
}
