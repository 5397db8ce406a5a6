package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/warehouse"
)

// maxDataValues bounds the values read for one dimension.
const maxDataValues = 1000

// LoadValues reads the known values of dimensions marked values_from_data,
// with their synonym columns, so that questions can name them. Values
// written in the model are kept and come first. It reads the time
// sources' data extents too (LoadExtents).
func (c *Catalog) LoadValues(ctx context.Context, db *warehouse.DB) error {
	for _, s := range c.Model.Sources {
		src := c.sources[s.Name]
		if src == nil {
			continue
		}
		for _, d := range s.Dimensions {
			if !d.ValuesFromData || src.dims[d.Name] != d || c.dims[d.Name] != d {
				continue
			}
			if err := loadDimValues(ctx, db, src, d); err != nil {
				return fmt.Errorf("values of dimension %s: %w", d.Name, err)
			}
		}
	}
	return c.LoadExtents(ctx, db)
}

func loadDimValues(ctx context.Context, db *warehouse.DB, src *source, d *Dimension) error {
	cols := []string{dimExpr(DuckDB{}, d)}
	// The label columns come first (s1 zh, s2 en), then the synonym columns.
	labels := []string{d.ValueLabelColumns.ZH, d.ValueLabelColumns.EN}
	for _, lc := range labels {
		if lc == "" {
			lc = "NULL"
		} else {
			lc = quoteIdent(lc)
		}
		cols = append(cols, "CAST("+lc+" AS VARCHAR)")
	}
	for _, sc := range d.ValueSynonymColumns {
		cols = append(cols, "CAST("+quoteIdent(sc)+" AS VARCHAR)")
	}
	// Sorted by the values themselves, so numbers come in numeric order
	// (tenure 0, 1, 2, … 10, not 0, 1, 10, 2), then shown as text.
	q := fmt.Sprintf("SELECT CAST(raw AS VARCHAR) AS v, * EXCLUDE (raw) FROM (SELECT DISTINCT %s AS raw, %s FROM %s WHERE %s IS NOT NULL) ORDER BY raw LIMIT %d",
		cols[0], strings.Join(append([]string{"NULL AS s0"}, synonymAliases(cols[1:])...), ", "), quoteIdent(src.Table), cols[0], maxDataValues)
	known := map[string]*DimensionValue{}
	for _, v := range d.Values {
		known[v.Value] = v
	}
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
