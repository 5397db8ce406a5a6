package metrics_test

import (
	"context"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestFormatValueWritesTheModelsCurrencyAndUnit(t *testing.T) {
	cny := metrics.Definition{Format: "currency", Currency: "CNY"}
	usd := metrics.Definition{Format: "currency", Currency: "USD"}
	eur := metrics.Definition{Format: "currency", Currency: "EUR"}
	chf := metrics.Definition{Format: "currency", Currency: "CHF"}
	bare := metrics.Definition{Format: "currency"}
	unit := metrics.Definition{Format: "currency", Currency: "CNY", Unit: "RMB"}
	people := metrics.Definition{Format: "count", Unit: "人"}
	for _, tc := range []struct {
		lang string
		d    metrics.Definition
		v    any
		want string
	}{
		{"zh", cny, 2.538e9, "25.38 亿元"},
		{"zh", cny, 45000.0, "4.50 万元"},
		{"zh", cny, 12.5, "12.50 元"},
		{"en", cny, 2.538e9, "CNY 2.54bn"},
		{"zh", usd, 76381.2, "7.64 万美元"},
		{"en", usd, 76381.2, "USD 76.4k"},
		{"en", usd, -1.5e6, "USD -1.50m"},
		{"zh", eur, 120.0, "120.00 欧元"},
		{"zh", chf, 3e8, "3.00 亿 CHF"},
		{"en", chf, 3e8, "CHF 300.00m"},
		{"zh", bare, 45000.0, "4.50 万"}, // the model did not say which money: no sign
		{"en", bare, 45000.0, "45.0k"},
		{"zh", unit, 45000.0, "4.50 万 RMB"},
		{"en", unit, 45000.0, "45.0k RMB"},
		{"zh", people, 1234.0, "1,234 人"},
		{"en", people, int64(1234567), "1,234,567 人"},
		{"zh", metrics.Definition{Format: "percent"}, 0.0123, "1.23%"},
		{"en", metrics.Definition{Format: "percent"}, 0.204, "20.4%"},
		{"en", metrics.Definition{Format: "number"}, 2.5, "2.50"},
		{"zh", cny, nil, "无数据"},
		{"en", cny, nil, "n/a"},
	} {
		if got := metrics.FormatValue(tc.lang, tc.d, tc.v); got != tc.want {
			t.Errorf("FormatValue(%s, %s %s %q, %v) = %q, want %q", tc.lang, tc.d.Format, tc.d.Currency, tc.d.Unit, tc.v, got, tc.want)
		}
	}
}

// The catalog publishes each metric's currency (its own, or the model's
// for money) and unit.
func TestDefinitionsCarryCurrencyAndUnit(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.MustOpen(t)
	exec(t, db, `CREATE TABLE accounts AS SELECT i AS id, i * 100.0 AS balance FROM range(10) t(i)`)
	m, err := metrics.ParseModel("accounts.yaml", []byte(`
name: accounts
currency: EUR
sources:
  - name: accounts
    measures:
      - {name: balance, agg: sum, column: balance}
      - {name: n, agg: count}
metrics:
  - {name: total_balance, measure: balance, owner: x, description: balances, format: currency}
  - {name: usd_balance, measure: balance, owner: x, description: balances in dollars, format: currency, currency: USD}
  - {name: holders, measure: n, owner: x, description: holders, format: count, unit: people}
`))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]string{"total_balance": {"EUR", ""}, "usd_balance": {"USD", ""}, "holders": {"", "people"}} {
		mt, _ := cat.Metric(name)
		if d := cat.Definition(mt); d.Currency != want[0] || d.Unit != want[1] {
			t.Errorf("%s: currency %q unit %q, want %q %q", name, d.Currency, d.Unit, want[0], want[1])
		}
	}
	// The demo bank's money is in yuan.
	d := demoEngine(t).Catalog()
	aum, _ := d.Metric("aum")
	if got := metrics.FormatValue("zh", d.Definition(aum), 2.5e9); got != "25.00 亿元" {
		t.Errorf("demo aum formats as %q", got)
	}
}
