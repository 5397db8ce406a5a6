package server_test

import (
	"strings"
	"testing"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
)

// Beacon's own state tables, the alert scheduler's alert_* included, can
// neither be loaded over (which erased every rule and made /api/v1/alerts
// answer 500) nor read by free SQL (which showed queued messages and their
// recipients), nor listed.
func TestBeaconStateTablesAreNeitherLoadedNorRead(t *testing.T) {
	db, eng, uploads := lockedBank(t)
	if _, err := alerts.OpenStore(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Guard: queries.NewGuard(eng, 100),
		UploadDir: uploads, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, srv)

	// Every alert_* table the store creates is Beacon's: a new one must be
	// added to warehouse's list of state tables.
	all, err := db.Tables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var state []string
	for name := range all {
		if strings.HasPrefix(name, "alert_") || strings.HasPrefix(name, "beacon_") {
			state = append(state, name)
			if warehouse.ValidTableName(name) == nil {
				t.Errorf("%s is Beacon's own state but may be loaded into and read", name)
			}
		}
	}
	if len(state) < 8 {
		t.Fatalf("the alert store made only %v", state)
	}

	cases := []struct {
		name, method, path, body string
		status                   int
		field, message           string
	}{
		{"replace alert_rules", "POST", "/api/v1/tables/alert_rules?mode=replace", "a\n1\n", 400, "name", "reserved for Beacon's own state"},
		{"append to alert_outbox in capitals", "POST", "/api/v1/tables/ALERT_OUTBOX?mode=append", "a\n1\n", 400, "name", "reserved"},
		{"replace alert_lease", "POST", "/api/v1/tables/Alert_Lease", "a\n1\n", 400, "name", "reserved"},
		{"read the outbox", "POST", "/api/v1/sql", `{"sql":"SELECT recipients, message FROM alert_outbox"}`, 400, "sql", `unknown table "alert_outbox"`},
		{"read rules through a subquery", "POST", "/api/v1/sql", `{"sql":"SELECT (SELECT count(*) FROM main.alert_rules)"}`, 400, "sql", `unknown table "alert_rules"`},
		{"read deliveries joined to data", "POST", "/api/v1/sql", `{"sql":"SELECT * FROM customers JOIN alert_deliveries ON true"}`, 400, "sql", `unknown table "alert_deliveries"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, base, tc.method, tc.path, []byte(tc.body), "")
			checkError(t, r, tc.status, tc.field)
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.message) {
				t.Fatalf("message %q, want it to say %q", msg, tc.message)
			}
		})
	}

	listed := get(t, base+"/api/v1/tables").json(t)["tables"].(map[string]any)
	for _, name := range state {
		if _, ok := listed[name]; ok {
			t.Errorf("GET /api/v1/tables lists %s", name)
		}
	}
	if _, ok := listed["customers"]; !ok {
		t.Fatalf("GET /api/v1/tables lost the data tables: %v", listed)
	}
	// The state tables keep their own columns after the refused loads.
	after, err := db.Tables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alert_rules", "alert_outbox", "alert_lease"} {
		if len(after[name]) < 2 || len(after[name]) != len(all[name]) {
			t.Errorf("%s now has columns %v, had %v", name, after[name], all[name])
		}
	}
}

// risk_models is read by /api/v1/risk/model and the scorer: a file without
// its columns is refused like one over a table the model reads (it made
// /api/v1/risk/model answer 500), while a file with them still loads.
func TestRiskModelsKeepTheirColumns(t *testing.T) {
	db, eng, uploads := lockedBank(t)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, UploadDir: uploads, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, srv)
	before, err := db.Tables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(before["risk_models"]) == 0 {
		t.Fatal("the demo bank has no risk_models table")
	}
	var header []string
	for _, c := range before["risk_models"] {
		header = append(header, c.Name)
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"replace with other columns", "/api/v1/tables/risk_models?mode=replace", "a\n1\n", 400},
		{"in capitals", "/api/v1/tables/RISK_MODELS", "version\nv1\n", 400},
		{"with its own columns", "/api/v1/tables/risk_models?mode=replace", strings.Join(header, ",") + "\n", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, base, "POST", tc.path, []byte(tc.body), "")
			if tc.status == 200 {
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				return
			}
			checkError(t, r, tc.status, "body")
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "lacks column(s)") {
				t.Fatalf("message %q, want it to name the missing columns", msg)
			}
		})
	}
	after, err := db.Tables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(after["risk_models"]) != len(before["risk_models"]) {
		t.Fatalf("risk_models has columns %v, had %v", after["risk_models"], before["risk_models"])
	}
}
