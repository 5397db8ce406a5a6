package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// maxDataValues bounds the values read for one dimension.
const maxDataValues = 1000

// LoadValues reads the known values of dimensions marked values_from_data,
// with their synonym columns, so that questions can name them. Values
// written in the model are kept and come first. It reads the time
// sources' data extents too (LoadExtents).
func (c *Catalog) LoadValues(ctx context.Context, db Reader) error {
	for _, s := range c.Model.Sources {
		src := c.sources[s.Name]
		if src == nil {
			continue
		}
		var dims []*Dimension
		for _, d := range s.Dimensions {
			if d.ValuesFromData && src.dims[d.Name] == d && c.dims[d.Name] == d {
				dims = append(dims, d)
			}
		}
		// One scan with grouping sets where the engine has them (DuckDB).
		if len(dims) > 1 && distinctExprs(dims) && dialectOf(db).Name() == "duckdb" {
			if err := loadSourceValues(ctx, db, src, dims); err != nil {
				return fmt.Errorf("values of source %s: %w", s.Name, err)
			}
			continue
		}
		for _, d := range dims {
			if err := loadDimValues(ctx, db, dialectOf(db), src, d); err != nil {
				return fmt.Errorf("values of dimension %s: %w", d.Name, err)
			}
		}
	}
	return c.LoadExtents(ctx, db)
}

func loadDimValues(ctx context.Context, db Reader, dl Dialect, src *source, d *Dimension) error {
	cols := []string{dimExpr(dl, d)}
	// The label columns come first (s1 zh, s2 en), then the synonym columns.
	labels := []string{d.ValueLabelColumns.ZH, d.ValueLabelColumns.EN}
	for _, lc := range labels {
		if lc == "" {
			lc = "NULL"
		} else {
			lc = quoteIdent(lc)
		}
		cols = append(cols, dl.Text(lc))
	}
	for _, sc := range d.ValueSynonymColumns {
		cols = append(cols, dl.Text(quoteIdent(sc)))
	}
	// Sorted by the values themselves, so numbers come in numeric order
	// (tenure 0, 1, 2, … 10, not 0, 1, 10, 2), then shown as text.
	aliases := []string{"s0"}
	for i := range cols[1:] {
		aliases = append(aliases, fmt.Sprintf("s%d", i+1))
	}
	q := fmt.Sprintf("SELECT %s AS v, %s FROM (SELECT DISTINCT %s AS raw, %s FROM %s WHERE %s IS NOT NULL) ORDER BY raw LIMIT %d",
		dl.Text("raw"), strings.Join(aliases, ", "), cols[0], strings.Join(append([]string{"NULL AS s0"}, synonymAliases(cols[1:])...), ", "), quoteIdent(src.Table), cols[0], maxDataValues)
	known := knownValues(d)
	return db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols)+1)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			addValue(d, known, vals)
		}
		return rows.Err()
	})
}

// synonymAliases names the synonym columns of the values query s1, s2, ….
func synonymAliases(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = fmt.Sprintf("%s AS s%d", c, i+1)
	}
	return out
}

// knownValues indexes the values a dimension already has.
func knownValues(d *Dimension) map[string]*DimensionValue {
	known := map[string]*DimensionValue{}
	for _, v := range d.Values {
		known[v.Value] = v
	}
	return known
}

// addValue adds one value read from the data (value, unused, zh label,
// en label, synonyms...) to the dimension, or its labels and synonyms to
// the value already there.
func addValue(d *Dimension, known map[string]*DimensionValue, vals []sql.NullString) {
	dv, ok := known[vals[0].String]
	if !ok {
		dv = &DimensionValue{Value: vals[0].String}
		known[dv.Value] = dv
		d.Values = append(d.Values, dv)
	}
	// Labels written in the model win over labels read from the data.
	if zh := vals[2]; zh.Valid && dv.Label.ZH == "" {
		dv.Label.ZH = zh.String
	}
	if en := vals[3]; en.Valid && dv.Label.EN == "" {
		dv.Label.EN = en.String
	}
	for _, syn := range vals[4:] {
		if syn.Valid && syn.String != "" && syn.String != dv.Value && !slices.Contains(dv.Synonyms, syn.String) {
			dv.Synonyms = append(dv.Synonyms, syn.String)
			if dv.Label.EN == "" {
				dv.Label.EN = syn.String
			}
		}
	}
}

// distinctExprs is true when no two dimensions read the same expression,
// so each has its own grouping set.
func distinctExprs(dims []*Dimension) bool {
	seen := map[string]bool{}
	for _, d := range dims {
		e := dimExpr(DuckDB{}, d)
		if seen[e] {
			return false
		}
		seen[e] = true
	}
	return true
}

// loadSourceValues reads the values of several dimensions of one source
// in one scan of its table, one grouping set per dimension: on a large
// table a DISTINCT per dimension reads the table once each, which is most
// of start-up. Each dimension keeps its first maxDataValues values in the
// order of the values themselves.
func loadSourceValues(ctx context.Context, db Reader, src *source, dims []*Dimension) error {
	var sel, sets, raws, set, outer []string
	// at[i][k] is where label or synonym k of dimension i is in the row
	// (-1: none); constant NULL columns are left out of the grouping sets,
	// where they cost as much as real ones.
	at := make([][]int, len(dims))
	width := make([]int, len(dims))
	for i, d := range dims {
		r := fmt.Sprintf("r%d", i)
		cols := []string{r}
		sel = append(sel, dimExpr(DuckDB{}, d)+" AS "+r)
		for j, lc := range append([]string{d.ValueLabelColumns.ZH, d.ValueLabelColumns.EN}, d.ValueSynonymColumns...) {
			if lc == "" {
				at[i] = append(at[i], -1)
				continue
			}
			a := fmt.Sprintf("a%d_%d", i, j)
			sel = append(sel, "CAST("+quoteIdent(lc)+" AS VARCHAR) AS "+a)
			at[i] = append(at[i], len(cols))
			cols = append(cols, a)
		}
		width[i] = len(cols)
		sets = append(sets, "("+strings.Join(cols, ", ")+")")
		raws = append(raws, r)
		set = append(set, fmt.Sprintf("WHEN %s IS NOT NULL THEN %d", r, i))
		outer = append(outer, "CAST("+r+" AS VARCHAR)")
		outer = append(outer, cols[1:]...)
	}
	q := fmt.Sprintf(`SELECT g, %s FROM (
	SELECT CASE %s END AS g, * FROM (SELECT %s FROM %s GROUP BY GROUPING SETS (%s)))
WHERE g IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY g ORDER BY %s) <= %d
ORDER BY g, %s`, strings.Join(outer, ", "), strings.Join(set, " "), strings.Join(sel, ", "), quoteIdent(src.Table),
		strings.Join(sets, ", "), strings.Join(raws, ", "), maxDataValues, strings.Join(raws, ", "))
	known := make([]map[string]*DimensionValue, len(dims))
	for i, d := range dims {
		known[i] = knownValues(d)
	}
	n := 1
	for _, w := range width {
		n += w
	}
	return db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g int
			vals := make([]sql.NullString, n-1)
			ptrs := []any{&g}
			for i := range vals {
				ptrs = append(ptrs, &vals[i])
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			off := 0
			for i := 0; i < g; i++ {
				off += width[i]
			}
			// The layout addValue reads: value, unused, labels, synonyms.
			one := []sql.NullString{vals[off], {}}
			for _, k := range at[g] {
				if k < 0 {
					one = append(one, sql.NullString{})
				} else {
					one = append(one, vals[off+k])
				}
			}
			addValue(dims[g], known[g], one)
		}
		return rows.Err()
	})
}
