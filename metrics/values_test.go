package metrics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// Values read from the data sort by the data's own order: numbers as
// numbers, text as text.
func TestDataValuesSortByTheirType(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.MustOpen(t)
	exec(t, db, `CREATE TABLE people AS SELECT CAST(i % 11 AS INTEGER) AS tenure, CAST(i % 7 AS DOUBLE) * 1.5 AS score,
		'c' || CAST(i % 12 AS VARCHAR) AS code FROM range(200) t(i)`)
	m, err := metrics.ParseModel("people.yaml", []byte(`
name: people
sources:
  - name: people
    dimensions:
      - {name: tenure, values_from_data: true}
      - {name: score, values_from_data: true}
      - {name: code, values_from_data: true}
    measures:
      - {name: n, agg: count}
metrics:
  - {name: people_count, measure: n, owner: x, description: people}
`))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, dim := range []string{"tenure", "score", "code"} {
		var want []string
		for _, r := range warehousetest.Rows(t, db, "SELECT DISTINCT CAST("+dim+" AS VARCHAR), "+dim+" FROM people ORDER BY 2") {
			want = append(want, fmt.Sprint(r[0]))
		}
		d, _ := cat.Dimension(dim)
		var got []string
		for _, v := range d.Values {
			got = append(got, v.Value)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s values %v, want %v", dim, got, want)
		}
	}
	d, _ := cat.Dimension("tenure")
	if d.Values[2].Value != "2" || d.Values[10].Value != "10" {
		t.Errorf("tenure values %v: want 0, 1, 2, … 10", d.Values)
	}
}
