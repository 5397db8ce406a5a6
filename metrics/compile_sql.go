package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// sqlWriter accumulates SQL text and numbered parameters.
type sqlWriter struct {
	d    Dialect
	args []any
	// extents name the sources' first and last buckets (knownBoundsOf);
	// usedExtents records that the SQL depends on them.
	extents     *extents
	usedExtents bool
}

func (w *sqlWriter) param(v any) string {
	w.args = append(w.args, v)
	return w.d.Param(len(w.args))
}

// writeSelect is the SQL-writing pass: the CTEs, then the final select of
// the current window joined to each comparison window, with the result's
// columns described in out.
func (c *Catalog) writeSelect(w *sqlWriter, p *plan, out *Compiled, ctes, keys, modes []string, post []filterPlan) string {
	d := w.d
	var cols []string
	for _, k := range keys {
		cols = append(cols, "c."+d.Quote(k))
	}
	for _, k := range keys {
		col := Column{Name: k, Role: "dimension", Type: "string"}
		if k == "period" {
			col.Role, col.Type = "time", "date"
			col.Label = Text{EN: "Period", ZH: "期间"}
		} else {
			dm := c.dims[k]
			col.Label = dm.Label
			col.Type = columnKind(c.dimType(dm))
		}
		out.Columns = append(out.Columns, col)
	}
	alias := func(mode string) string { return "p_" + mode }
	for _, m := range p.metrics {
		q := d.Quote(m.Name)
		if m.Type == "period_over_period" {
			base := d.Quote(m.Metric)
			prev := alias(m.Compare) + "." + base
			cols = append(cols, compareSQL(d, m.Output, "c."+base, prev)+" AS "+q)
		} else {
			cols = append(cols, "c."+q)
		}
		out.Columns = append(out.Columns, Column{Name: m.Name, Role: "metric", Type: "number", Format: m.Format, Label: m.Label})
		if p.compare == "" || m.Type == "period_over_period" {
			continue
		}
		prev := alias(p.compare) + "." + q
		for _, o := range compareOutputs {
			cols = append(cols, compareSQL(d, o, "c."+q, prev)+" AS "+d.Quote(m.Name+"_"+o))
			f := m.Format
			if o == "pct_change" {
				f = "percent"
			}
			out.Columns = append(out.Columns, Column{Name: m.Name + "_" + o, Role: "comparison", Metric: m.Name, Type: "number", Format: f,
				Label: Text{EN: m.Label.EN + " " + strings.ReplaceAll(o, "_", " "), ZH: m.Label.ZH + compareZH[o]}})
		}
	}
	var sb strings.Builder
	sb.WriteString("WITH ")
	sb.WriteString(strings.Join(ctes, ",\n"))
	sb.WriteString("\nSELECT ")
	sb.WriteString(strings.Join(cols, ", "))
	sb.WriteString("\nFROM \"cur\" AS c")
	for _, mode := range modes {
		a := alias(mode)
		if len(keys) == 0 {
			fmt.Fprintf(&sb, "\nCROSS JOIN %s AS %s", d.Quote("prev_"+mode), a)
			continue
		}
		fmt.Fprintf(&sb, "\nLEFT JOIN %s AS %s ON %s", d.Quote("prev_"+mode), a, joinOn(d, "c", a, keys))
	}
	var where []string
	for _, f := range post {
		where = append(where, filterSQL(w, "c."+d.Quote(f.dim.Name), f))
	}
	for _, h := range p.having {
		where = append(where, havingSQL(w, "c."+d.Quote(h.metric), h))
	}
	if len(where) > 0 {
		sb.WriteString("\nWHERE " + strings.Join(where, " AND "))
	}
	sb.WriteString("\nORDER BY ")
	var order []string
	for _, o := range p.order {
		order = append(order, d.OrderBy(d.Quote(o.By), o.Desc))
	}
	for _, k := range keys {
		if !slices.ContainsFunc(p.order, func(o Order) bool { return o.By == k }) {
			order = append(order, d.OrderBy(d.Quote(k), false))
		}
	}
	if len(order) == 0 {
		order = append(order, "1")
	}
	sb.WriteString(strings.Join(order, ", "))
	fmt.Fprintf(&sb, "\nLIMIT %d", p.limit+1)
	return sb.String()
}

var compareZH = map[string]string{"previous": "（对比期）", "delta": "变动", "pct_change": "变动率"}

func compareSQL(d Dialect, output, cur, prev string) string {
	switch output {
	case "previous":
		return prev
	case "delta":
		return "(" + cur + " - " + prev + ")"
	default:
		return "(" + d.Divide(cur+" - "+prev, "abs("+prev+")") + ")"
	}
}

func joinOn(d Dialect, a, b string, keys []string) string {
	var conds []string
	for _, k := range keys {
		conds = append(conds, d.NullSafeEqual(a+"."+d.Quote(k), b+"."+d.Quote(k)))
	}
	return strings.Join(conds, " AND ")
}

func columnKind(duckType string) string {
	t := strings.ToUpper(duckType)
	switch {
	case t == "DATE" || strings.HasPrefix(t, "TIMESTAMP"):
		return "date"
	case t == "BOOLEAN":
		return "boolean"
	case isIntType(t):
		return "integer"
	case isFloatType(t):
		return "number"
	}
	return "string"
}
