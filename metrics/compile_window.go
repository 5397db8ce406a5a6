package metrics

import "slices"

// window is one time window the query computes over: the current one and,
// for comparisons, shifted ones whose periods are moved forward to align.
type window struct {
	name    string // CTE prefix: cur, or prev_<mode>
	compare string
	win     Window
	shiftN  int
	unit    string
}

// compareGrain is the grain comparison windows move by: the query's, or
// for totals the grain of the rows they total.
func (p *plan) compareGrain() string {
	if p.shiftGrain != "" {
		return p.shiftGrain
	}
	return p.grain
}

// planWindows is the windows pass: the current window, then one per
// comparison mode in use (the query's compare and its period-over-period
// metrics'), each shifted back so that its periods line up with the
// current ones. cmp is the window of the query's own comparison.
func planWindows(p *plan, needed []*Metric) (windows []window, modes []string, cmp *ResolvedWindow) {
	windows = []window{{name: "cur", win: p.window}}
	modes = []string{}
	if p.compare != "" {
		modes = append(modes, p.compare)
	}
	for _, m := range needed {
		if m.Type == "period_over_period" && !slices.Contains(modes, m.Compare) {
			modes = append(modes, m.Compare)
		}
	}
	grain := p.compareGrain()
	for _, mode := range modes {
		win := window{name: "prev_" + mode, compare: mode}
		switch {
		case mode == "same_period_last_year" && grain == "week":
			// 52 weeks keeps Mondays on Mondays, so weeks line up with last year's.
			win.shiftN, win.unit = 52, "week"
		case mode == "same_period_last_year":
			win.shiftN, win.unit = 1, "year"
		case grain != "":
			win.shiftN, win.unit = 1, grain
		default:
			win.shiftN, win.unit = previousShift(p.time.Range, p.window)
		}
		win.win = p.window.Shift(-win.shiftN, win.unit)
		if grain == "" && mode == "previous_period" && win.win.End.After(p.window.Start) {
			win.win.End = p.window.Start // the previous period never overlaps this one
		}
		windows = append(windows, win)
		if mode == p.compare {
			s, e := formatWindow(win.win)
			cmp = &ResolvedWindow{Compare: mode, Start: s, End: e}
		}
	}
	return windows, modes, cmp
}
