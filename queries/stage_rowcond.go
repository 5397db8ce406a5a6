package queries

import "regexp"

// A condition on a metric that adds up a column kept on every row (席位数在
// 50到200之间的客户, accounts with at least 100 seats, MRR超过5万元的客户) is
// about each row's own value when it describes the rows counted, and about
// the groups' totals only when it describes groups (MRR超过5万元的套餐,
// plans with MRR above 100k), which stage_having reads.

// rowCondition finds the row-level dimension of a condition standing next
// to such a metric; the metric word becomes that dimension's field word.
func (o *Offline) rowCondition(r *reading, c condition) (string, bool) {
	i, dim := o.metricNextTo(r, c)
	if i < 0 || !o.unitFits(c.unit, dim) || o.picksGroups(r, i, c) {
		return "", false
	}
	w := &r.words[i]
	w.kind, w.name, w.condition = kindDimension, dim, true
	return dim, true
}

var (
	// reMetricAfterCond joins a number to the metric word that follows it
	// as its unit: 300个席位, 100 seats.
	reMetricAfterCond = regexp.MustCompile(`^\s*(?:个|位|份|张|笔|\bof\b)?\s*$`)
	// reGroupsOfCond join a condition to the groups it picks: MRR超过5万元的
	// 套餐; plans with MRR above.
	reGroupAfterCond  = regexp.MustCompile(`^\s*(?:个|位|份)?\s*的\s*$`)
	reGroupBeforeCond = regexp.MustCompile(`^\s*(?:with|having|whose|where|that have|that had|(?:a|an|the)\s)+\s*(?:(?:a|an|the)\s+)?$`)
)

// metricNextTo returns the index of the metric word right before or right
// after a condition whose column is kept on each row, and that column's
// dimension; -1 when there is none.
func (o *Offline) metricNextTo(r *reading, c condition) (int, string) {
	for i, w := range r.words {
		if w.kind != kindMetric {
			continue
		}
		if w.end <= c.start && reHavingGlue.MatchString(r.norm[w.end:c.start]) ||
			w.start >= c.end && reMetricAfterCond.MatchString(r.norm[c.end:w.start]) {
			if dim, ok := o.cat.RowDimension(w.name); ok {
				return i, dim
			}
		}
	}
	return -1, ""
}

// picksGroups reports whether a condition on metric word m describes the
// values of a categorical dimension named next to it, not rows.
func (o *Offline) picksGroups(r *reading, m int, c condition) bool {
	first, last := min(r.words[m].start, c.start), max(r.words[m].end, c.end)
	for _, w := range r.words {
		if w.kind != kindDimension || o.cat.NumericDimension(w.name) {
			continue
		}
		if w.start >= last && reGroupAfterCond.MatchString(r.norm[last:w.start]) ||
			w.end <= first && reGroupBeforeCond.MatchString(r.norm[w.end:first]) {
			return true
		}
	}
	return false
}
