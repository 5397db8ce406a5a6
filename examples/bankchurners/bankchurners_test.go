package bankchurners_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The published data set has 10,127 customers, 1,627 of them attrited.
const (
	allCustomers      = 10127
	attritedCustomers = 1627
)

// bankChurners is the example served end to end: the CSV loaded by the same
// code as `beacon load`, model.yaml validated against it, and the HTTP API.
type bankChurners struct {
	db  *warehouse.DB
	srv *server.Server
}

func openBankChurners(t *testing.T) *bankChurners {
	t.Helper()
	ctx := context.Background()
	db := warehousetest.MustOpen(t)
	st, err := db.Load(ctx, warehouse.LoadOptions{Table: "bank_churners", Path: "BankChurners.csv"})
	if err != nil {
		t.Fatalf("load BankChurners.csv: %v", err)
	}
	if st.Rows != allCustomers {
		t.Fatalf("loaded %d rows, want %d", st.Rows, allCustomers)
	}
	cat, err := metrics.LoadCatalog(ctx, "model.yaml", db)
	if err != nil {
		t.Fatalf("model.yaml: %v", err)
	}
	eng, err := metrics.NewEngine(db, cat, metrics.EngineConfig{})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	return &bankChurners{db: db, srv: srv}
}

// request is one API call: a GET when body is empty, else a POST of JSON.
type request struct {
	target string
	body   string
	csv    bool // ask for text/csv instead of JSON
}

// do sends r in-process and returns the body of a 200 response.
func (b *bankChurners) do(t *testing.T, r request) []byte {
	t.Helper()
	method := http.MethodGet
	if r.body != "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, r.target, strings.NewReader(r.body))
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.csv {
		req.Header.Set("Accept", "text/csv")
	}
	resp, err := b.srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, r.target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: got status %d, want 200: %s", method, r.target, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); r.csv != strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s %s: got Content-Type %q, csv=%v", method, r.target, ct, r.csv)
	}
	return body
}

// table is a result reduced to what the tests compare: the group (the
// dimension's value, "" when there is none) → the metric values in order.
type table map[string][]float64

// fetch runs r and reads the values of columns, grouped by dim.
func (b *bankChurners) fetch(t *testing.T, r request, dim string, columns []string) table {
	t.Helper()
	body := b.do(t, r)
	if r.csv {
		return fromCSV(t, body, dim, columns)
	}
	var res struct {
		Rows []map[string]any `json:"rows"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("decode result: %v\n%s", err, body)
	}
	out := table{}
	for i, row := range res.Rows {
		key := ""
		if dim != "" {
			key = fmt.Sprint(row[dim])
		}
		vals := make([]float64, len(columns))
		for j, c := range columns {
			n, ok := row[c].(json.Number)
			if !ok {
				t.Fatalf("row %d column %s: got %v (%T), want a number", i, c, row[c], row[c])
			}
			f, err := n.Float64()
			if err != nil {
				t.Fatalf("row %d column %s: %v", i, c, err)
			}
			vals[j] = f
		}
		out[key] = vals
	}
	return out
}

func fromCSV(t *testing.T, body []byte, dim string, columns []string) table {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v\n%s", err, body)
	}
	if len(recs) == 0 {
		t.Fatalf("CSV has no header")
	}
	index := func(name string) int {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("CSV header %v has no column %q", recs[0], name)
		}
		return i
	}
	keyCol := -1
	if dim != "" {
		keyCol = index(dim)
	}
	out := table{}
	for _, rec := range recs[1:] {
		key := ""
		if keyCol >= 0 {
			key = rec[keyCol]
		}
		vals := make([]float64, len(columns))
		for j, c := range columns {
			f, err := strconv.ParseFloat(rec[index(c)], 64)
			if err != nil {
				t.Fatalf("CSV row %v column %s: %v", rec, c, err)
			}
			vals[j] = f
		}
		out[key] = vals
	}
	return out
}

// hand runs hand-written SQL whose first column is the group (an empty
// string when there is none) and whose other columns are the values.
func (b *bankChurners) hand(t *testing.T, query string) table {
	t.Helper()
	out := table{}
	for _, row := range warehousetest.Rows(t, b.db, query) {
		vals := make([]float64, len(row)-1)
		for j, v := range row[1:] {
			f, ok := v.(float64)
			if !ok {
				t.Fatalf("hand SQL column %d: got %v (%T), want a number\n%s", j+2, v, v, query)
			}
			vals[j] = f
		}
		out[fmt.Sprint(row[0])] = vals
	}
	return out
}

// near compares floats within a relative 1e-9: DuckDB may sum in another order.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func compareTables(t *testing.T, columns []string, got, want table) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("hand SQL returned no rows; the comparison would prove nothing")
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("group %q: missing from the result (got groups %v)", key, keysOf(got))
			continue
		}
		for j, c := range columns {
			if !near(g[j], w[j]) {
				t.Errorf("group %q %s: got %v, want %v", key, c, g[j], w[j])
			}
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("group %q: in the result but not in the hand SQL", key)
		}
	}
}

func keysOf(tb table) []string {
	out := make([]string, 0, len(tb))
	for k := range tb {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestOverallAttritionIs1627Of10127(t *testing.T) {
	b := openBankChurners(t)
	// The data set itself, independently of the model.
	counts := b.hand(t, `SELECT '', count(*) FILTER (WHERE Attrition_Flag = 'Attrited Customer'), count(*) FROM bank_churners`)
	if c := counts[""]; c[0] != attritedCustomers || c[1] != allCustomers {
		t.Fatalf("hand SQL: got %v attrited of %v, want %d of %d", c[0], c[1], attritedCustomers, allCustomers)
	}
	columns := []string{"attrition_rate", "attrited_customers", "customers", "retention_rate"}
	got := b.fetch(t, request{target: "/api/v1/query", body: `{"metrics": ["attrition_rate", "attrited_customers", "customers", "retention_rate"]}`}, "", columns)
	if len(got) != 1 {
		t.Fatalf("got %d rows, want 1", len(got))
	}
	g := got[""]
	// One correctly rounded division on both sides: equal to the last bit.
	if want := float64(attritedCustomers) / allCustomers; g[0] != want {
		t.Errorf("attrition_rate: got %v, want %v (1627/10127)", g[0], want)
	}
	if g[1] != attritedCustomers {
		t.Errorf("attrited_customers: got %v, want %d", g[1], attritedCustomers)
	}
	if g[2] != allCustomers {
		t.Errorf("customers: got %v, want %d", g[2], allCustomers)
	}
	if want := 1 - float64(attritedCustomers)/allCustomers; !near(g[3], want) {
		t.Errorf("retention_rate: got %v, want %v", g[3], want)
	}
}

func TestMetricsMatchHandSQL(t *testing.T) {
	b := openBankChurners(t)
	cases := []struct {
		name    string
		req     request
		dim     string   // the result's grouping column, "" for none
		columns []string // compared, in the hand SQL's order after its group column
		hand    string
	}{
		{
			name:    "attrition rate and customers by card category",
			req:     request{target: "/api/v1/query", body: `{"metrics": ["attrition_rate", "customers"], "dimensions": ["card_category"]}`},
			dim:     "card_category",
			columns: []string{"attrition_rate", "customers"},
			hand: `SELECT Card_Category, avg(CASE WHEN Attrition_Flag = 'Attrited Customer' THEN 1.0 ELSE 0 END), count(*)
				FROM bank_churners GROUP BY 1`,
		},
		{
			name:    "average transaction count by income category",
			req:     request{target: "/api/v1/query", body: `{"metrics": ["avg_transaction_count"], "dimensions": ["income_category"]}`},
			dim:     "income_category",
			columns: []string{"avg_transaction_count"},
			hand:    `SELECT Income_Category, avg(Total_Trans_Ct) FROM bank_churners GROUP BY 1`,
		},
		{
			name: "attrition by income category for women only",
			req: request{target: "/api/v1/query", body: `{"metrics": ["attrition_rate", "customers", "avg_transaction_count"], "dimensions": ["income_category"],
				"filters": [{"dimension": "gender", "op": "eq", "value": "F"}]}`},
			dim:     "income_category",
			columns: []string{"attrition_rate", "customers", "avg_transaction_count"},
			hand: `SELECT Income_Category, avg(CASE WHEN Attrition_Flag = 'Attrited Customer' THEN 1.0 ELSE 0 END), count(*), avg(Total_Trans_Ct)
				FROM bank_churners WHERE Gender = 'F' GROUP BY 1`,
		},
		{
			name:    "every average by attrition flag",
			req:     request{target: "/api/v1/query", body: `{"metrics": ["avg_transaction_count", "avg_transaction_amount", "avg_credit_limit", "avg_utilization_ratio", "avg_months_inactive", "avg_contacts_count"], "dimensions": ["attrition_flag"]}`},
			dim:     "attrition_flag",
			columns: []string{"avg_transaction_count", "avg_transaction_amount", "avg_credit_limit", "avg_utilization_ratio", "avg_months_inactive", "avg_contacts_count"},
			hand: `SELECT Attrition_Flag, avg(Total_Trans_Ct), avg(Total_Trans_Amt), avg(Credit_Limit), avg(Avg_Utilization_Ratio),
					avg(Months_Inactive_12_mon), avg(Contacts_Count_12_mon)
				FROM bank_churners GROUP BY 1`,
		},
		{
			name:    "customer share and retention by card category",
			req:     request{target: "/api/v1/query", body: `{"metrics": ["customer_share", "retention_rate", "attrited_customers"], "dimensions": ["card_category"]}`},
			dim:     "card_category",
			columns: []string{"customer_share", "retention_rate", "attrited_customers"},
			hand: `SELECT Card_Category, count(*) / (SELECT count(*) FROM bank_churners),
					1 - count(*) FILTER (WHERE Attrition_Flag = 'Attrited Customer') / count(*),
					count(*) FILTER (WHERE Attrition_Flag = 'Attrited Customer')
				FROM bank_churners GROUP BY 1`,
		},
		{
			name:    "GET form by card category",
			req:     request{target: "/api/v1/metrics/attrition_rate?by=card_category"},
			dim:     "card_category",
			columns: []string{"attrition_rate"},
			hand: `SELECT Card_Category, avg(CASE WHEN Attrition_Flag = 'Attrited Customer' THEN 1.0 ELSE 0 END)
				FROM bank_churners GROUP BY 1`,
		},
		{
			name:    "GET form with a numeric filter",
			req:     request{target: "/api/v1/metrics/attrition_rate?by=months_inactive&filter=months_inactive:gte:3"},
			dim:     "months_inactive",
			columns: []string{"attrition_rate"},
			hand: `SELECT Months_Inactive_12_mon, avg(CASE WHEN Attrition_Flag = 'Attrited Customer' THEN 1.0 ELSE 0 END)
				FROM bank_churners WHERE Months_Inactive_12_mon >= 3 GROUP BY 1`,
		},
		{
			name:    "GET form with an in filter on values with spaces and $",
			req:     request{target: "/api/v1/metrics/customers?by=income_category&filter=income_category:in:Less%20than%20$40K,$120K%20%2B"},
			dim:     "income_category",
			columns: []string{"customers"},
			hand:    `SELECT Income_Category, count(*) FROM bank_churners WHERE Income_Category IN ('Less than $40K', '$120K +') GROUP BY 1`,
		},
		{
			name:    "CSV by card category",
			req:     request{target: "/api/v1/query", body: `{"metrics": ["attrition_rate", "customers"], "dimensions": ["card_category"]}`, csv: true},
			dim:     "card_category",
			columns: []string{"attrition_rate", "customers"},
			hand: `SELECT Card_Category, avg(CASE WHEN Attrition_Flag = 'Attrited Customer' THEN 1.0 ELSE 0 END), count(*)
				FROM bank_churners GROUP BY 1`,
		},
		{
			name:    "CSV of the GET form by income category",
			req:     request{target: "/api/v1/metrics/avg_transaction_count?by=income_category", csv: true},
			dim:     "income_category",
			columns: []string{"avg_transaction_count"},
			hand:    `SELECT Income_Category, avg(Total_Trans_Ct) FROM bank_churners GROUP BY 1`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := b.fetch(t, tc.req, tc.dim, tc.columns)
			want := b.hand(t, tc.hand)
			compareTables(t, tc.columns, got, want)
		})
	}
}

// The CSV export must carry the same numbers as the JSON, to the last bit.
func TestCSVMatchesJSON(t *testing.T) {
	b := openBankChurners(t)
	body := `{"metrics": ["attrition_rate", "customers", "customer_share", "avg_utilization_ratio"], "dimensions": ["income_category"]}`
	columns := []string{"attrition_rate", "customers", "customer_share", "avg_utilization_ratio"}
	fromJSON := b.fetch(t, request{target: "/api/v1/query", body: body}, "income_category", columns)
	fromCSV := b.fetch(t, request{target: "/api/v1/query", body: body, csv: true}, "income_category", columns)
	if len(fromJSON) != 6 {
		t.Fatalf("got %d income categories, want 6", len(fromJSON))
	}
	for key, j := range fromJSON {
		c, ok := fromCSV[key]
		if !ok {
			t.Errorf("group %q: in the JSON but not the CSV", key)
			continue
		}
		for i, col := range columns {
			if c[i] != j[i] {
				t.Errorf("group %q %s: CSV has %v, JSON has %v", key, col, c[i], j[i])
			}
		}
	}
}

// catalog is the part of GET /api/v1/metrics the tests read.
type catalog struct {
	Metrics    []catalogMetric `json:"metrics"`
	Dimensions []struct {
		Name   string `json:"name"`
		Values []struct {
			Value string       `json:"value"`
			Label metrics.Text `json:"label"`
		} `json:"values"`
	} `json:"dimensions"`
}

type catalogMetric struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Owner       string       `json:"owner"`
	Format      string       `json:"format"`
	Version     int          `json:"version"`
	Label       metrics.Text `json:"label"`
}

func TestCatalogPublishesTheModel(t *testing.T) {
	b := openBankChurners(t)
	var cat catalog
	if err := json.Unmarshal(b.do(t, request{target: "/api/v1/metrics"}), &cat); err != nil {
		t.Fatalf("decode catalog: %v", err)
	}
	formats := map[string]string{
		"attrition_rate": "percent", "retention_rate": "percent", "customers": "count", "attrited_customers": "count",
		"customer_share": "percent", "avg_transaction_count": "number", "avg_transaction_amount": "currency",
		"avg_credit_limit": "currency", "avg_utilization_ratio": "ratio", "avg_months_inactive": "number", "avg_contacts_count": "number",
	}
	if len(cat.Metrics) != len(formats) {
		t.Errorf("got %d metrics, want %d", len(cat.Metrics), len(formats))
	}
	for name, format := range formats {
		i := slices.IndexFunc(cat.Metrics, func(m catalogMetric) bool { return m.Name == name })
		if i < 0 {
			t.Errorf("metric %s: missing from the catalog", name)
			continue
		}
		m := cat.Metrics[i]
		if m.Format != format || m.Owner == "" || m.Description == "" || m.Version < 1 || m.Label.ZH == "" {
			t.Errorf("metric %s: got format %q, owner %q, version %d, zh label %q, description %q; want format %q and the rest set",
				name, m.Format, m.Owner, m.Version, m.Label.ZH, m.Description, format)
		}
	}
	cardLabels := map[string]string{}
	for _, d := range cat.Dimensions {
		if d.Name != "card_category" {
			continue
		}
		for _, v := range d.Values {
			cardLabels[v.Value] = v.Label.ZH
		}
	}
	for value, zh := range map[string]string{"Blue": "蓝卡", "Silver": "银卡", "Gold": "金卡", "Platinum": "白金卡"} {
		if cardLabels[value] != zh {
			t.Errorf("card_category %s: got zh label %q, want %q", value, cardLabels[value], zh)
		}
	}
}

// The last two columns are another model's predictions: nothing in the
// model may read them, or Beacon's numbers would leak that model's output.
func TestModelLeavesOutClassifierColumns(t *testing.T) {
	m, err := metrics.ParseModelFile("model.yaml")
	if err != nil {
		t.Fatalf("parse model.yaml: %v", err)
	}
	for _, s := range m.Sources {
		for _, d := range s.Dimensions {
			if strings.Contains(d.Column+d.Expr, "Naive_Bayes") {
				t.Errorf("dimension %s reads a Naive_Bayes_Classifier column", d.Name)
			}
		}
		for _, ms := range s.Measures {
			if strings.Contains(ms.Column+ms.Expr+ms.Filter, "Naive_Bayes") {
				t.Errorf("measure %s reads a Naive_Bayes_Classifier column", ms.Name)
			}
		}
	}
}
