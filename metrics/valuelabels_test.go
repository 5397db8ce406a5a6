package metrics_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
)

// Labels of values read from the data come from the columns the model
// names, and labels written in the model win.
func TestValueLabelsReadFromColumns(t *testing.T) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE members AS SELECT * FROM (VALUES
			(1, 'DE', '德国', 'Germany'), (2, 'FR', '法国', 'France'), (3, 'ES', '西班牙', 'Spain'), (4, 'DE', '德国', 'Germany')) t(id, country, country_zh, country_en)`)
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
      - name: country
        values_from_data: true
        value_label_columns: {zh: country_zh, en: country_en}
        values:
          - {value: ES, label: {zh: 西班牙王国, en: Kingdom of Spain}}
    measures:
      - {name: members, agg: count}
metrics:
  - {name: members, label: {zh: 会员数, en: Members}, description: Members., owner: t, version: 1, format: count, type: simple, measure: members}
`)
	cat := metricstest.Catalog(t, db, "m.yaml", model)
	d, _ := cat.Dimension("country")
	want := map[string]metrics.Text{"DE": {ZH: "德国", EN: "Germany"}, "FR": {ZH: "法国", EN: "France"}, "ES": {ZH: "西班牙王国", EN: "Kingdom of Spain"}}
	if len(d.Values) != len(want) {
		t.Fatalf("got %d values, want %d", len(d.Values), len(want))
	}
	for _, v := range d.Values {
		if v.Label != want[v.Value] {
			t.Errorf("value %s: label %+v, want %+v", v.Value, v.Label, want[v.Value])
		}
	}
}
