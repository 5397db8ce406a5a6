package metrics_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
)

// not_in keeps rows whose value is unknown; not_in_known counts only rows
// known to lie outside the values, as SQL's <> does. Both are checked
// against hand-written SQL on a table with unknown values.
func TestExclusionOperatorsAndUnknownValues(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE members AS SELECT * FROM (VALUES
			(1, 'DE'), (2, 'FR'), (3, NULL), (4, 'DE'), (5, 'ES'), (6, NULL), (7, 'FR')) t(id, country)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	model := []byte(`name: m
sources:
  - name: members
    table: members
    dimensions:
      - {name: country, values_from_data: true}
    measures:
      - {name: members, agg: count}
metrics:
  - {name: members, label: {zh: 会员数, en: Members}, description: Members., owner: t, version: 1, format: count, type: simple, measure: members}
`)
	cat := metricstest.Catalog(t, db, "m.yaml", model)
	eng, err := metrics.NewEngine(db, cat, metrics.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		op   string
		hand string
	}{
		{"not_in", `SELECT count(*) FROM members WHERE country IS NULL OR country NOT IN ('DE')`},
		{"not_in_known", `SELECT count(*) FROM members WHERE country <> 'DE'`},
	} {
		q := metrics.Query{Metrics: []string{"members"}, Filters: []metrics.Filter{{Dimension: "country", Op: tc.op, Values: []any{"DE"}}}}
		res, err := eng.Run(ctx, q, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.op, err)
		}
		var want int64
		if err := db.Read(ctx, func(c *sql.Conn) error { return c.QueryRowContext(ctx, tc.hand).Scan(&want) }); err != nil {
			t.Fatal(err)
		}
		if got, ok := res.Rows[0][0].(int64); !ok || got != want {
			t.Errorf("%s: got %v, hand SQL gives %d", tc.op, got, want)
		}
	}
}
