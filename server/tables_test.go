package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestUploadIsAllOrNothing(t *testing.T) {
	db, err := warehousetest.OpenDemo(300, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := newServer(t, db, server.AuthConfig{})

	good := "id,name,score\n1,alice,3.5\n2,\"=HYPERLINK(\"\"http://x\"\")\",4\n"
	r := do(t, srv, "POST", "/api/v1/tables/scores", []byte(good), "Content-Type", "text/csv")
	if r.status != 200 || r.json(t)["rows"] != float64(2) {
		t.Fatalf("good upload: %d %s", r.status, r.body)
	}
	bad := "id,name,score\n3,carol,1\n4,dave,high\n5,erin\n"
	r = do(t, srv, "POST", "/api/v1/tables/scores", []byte(bad), "Content-Type", "text/csv")
	if r.status != 422 {
		t.Fatalf("bad upload: status %d, want 422: %s", r.status, r.body)
	}
	e := r.json(t)["error"].(map[string]any)
	rows := e["rows"].([]any)
	lines := map[float64]bool{}
	for _, x := range rows {
		lines[x.(map[string]any)["line"].(float64)] = true
	}
	if !lines[3] || !lines[4] || e["bad_rows"] != float64(2) {
		t.Fatalf("bad rows reported %v (bad_rows %v), want lines 3 and 4", rows, e["bad_rows"])
	}
	if n := warehousetest.Rows(t, db, "SELECT count(*) FROM scores")[0][0]; n != float64(2) {
		t.Fatalf("scores has %v rows after a rejected upload, want 2", n)
	}

	// Loading a table drops the cached results that read it, and only those.
	q := []byte(`{"metrics":["customers"]}`)
	do(t, srv, "POST", "/api/v1/query", q)
	if c := do(t, srv, "POST", "/api/v1/query", q); c.header.Get("X-Beacon-Cached") != "true" {
		t.Fatal("second query not cached")
	}
	do(t, srv, "POST", "/api/v1/tables/scores?mode=append", []byte("id,name,score\n9,zed,1\n"))
	if c := do(t, srv, "POST", "/api/v1/query", q); c.header.Get("X-Beacon-Cached") != "true" {
		t.Fatal("a load of a table the answer does not read dropped it from the cache")
	}
	branch := "branch_id,branch_name,branch_name_en,city,city_en,region,region_en\n999,新区支行,New District,上海,Shanghai,华东,East China\n"
	if r := do(t, srv, "POST", "/api/v1/tables/branches?mode=append", []byte(branch)); r.status != 200 {
		t.Fatalf("append a branch: %d %s", r.status, r.body)
	}
	if c := do(t, srv, "POST", "/api/v1/query", q); c.header.Get("X-Beacon-Cached") != "false" {
		t.Fatal("a load of a table the answer reads did not drop it from the cache")
	}

	// A model table may be refreshed but not stripped of the columns the model uses.
	checkError(t, do(t, srv, "POST", "/api/v1/tables/Branches", []byte("branch_id,branch_name\n1,x\n")), 400, "body")
	// Header names in another case still keep the column types: text in an integer column is a bad row.
	retyped := "Branch_ID,branch_name,branch_name_en,city,city_en,region,region_en\nBR001,x,x,上海,Shanghai,华东,East China\n"
	if r := do(t, srv, "POST", "/api/v1/tables/branches", []byte(retyped)); r.status != 422 {
		t.Fatalf("a text branch id: status %d, want 422: %s", r.status, r.body)
	}
	if r := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["customers"],"dimensions":["region"]}`)); r.status != 200 {
		t.Fatalf("after a refused reload of branches: %d %s", r.status, r.body)
	}
	checkError(t, do(t, srv, "POST", "/api/v1/tables/beacon_meta", []byte(good)), 400, "name")
	checkError(t, do(t, srv, "POST", "/api/v1/tables/x%3BDROP", []byte(good)), 400, "name")
	checkError(t, do(t, srv, "POST", "/api/v1/tables/scores?mode=merge", []byte(good)), 400, "mode")
	checkError(t, do(t, srv, "POST", "/api/v1/tables/nope?mode=append", []byte(good)), 400, "body")
}

// An upload into a model's table runs the model's data checks over the
// staged rows: one breach refuses the file, naming line, column, rule and value.
func TestUploadRunsModelDataChecks(t *testing.T) {
	db, err := warehousetest.OpenDemo(200, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := newServer(t, db, server.AuthConfig{})
	rows := warehousetest.Rows(t, db, `SELECT customer_id, segment, branch_id, channel, gender, age_band,
		strftime(onboard_date, '%Y-%m-%d'), coalesce(strftime(close_date, '%Y-%m-%d'), '') FROM customers ORDER BY customer_id`)
	file := func(edit func(i int, f []string)) []byte {
		var b strings.Builder
		b.WriteString("customer_id,segment,branch_id,channel,gender,age_band,onboard_date,close_date\n")
		for i, r := range rows {
			f := make([]string, len(r))
			for j, v := range r {
				f[j] = fmt.Sprint(v)
			}
			if edit != nil {
				edit(i, f)
			}
			b.WriteString(strings.Join(f, ",") + "\n")
		}
		return []byte(b.String())
	}
	bad := file(func(i int, f []string) {
		switch i {
		case 10:
			f[4] = "M" // line 12
		case 30:
			f[0] = fmt.Sprint(rows[29][0]) // line 32 repeats line 31
		}
	})
	r := do(t, srv, "POST", "/api/v1/tables/customers", bad, "Content-Type", "text/csv")
	if r.status != 422 {
		t.Fatalf("status %d, want 422: %s", r.status, r.body)
	}
	e := r.json(t)["error"].(map[string]any)
	want := map[string]bool{"12 gender accepted_values M": false, fmt.Sprintf("32 customer_id unique %v", rows[29][0]): false}
	for _, x := range e["rows"].([]any) {
		row := x.(map[string]any)
		key := fmt.Sprintf("%v %v %v %v", row["line"], row["column"], row["rule"], row["value"])
		if _, ok := want[key]; ok {
			want[key] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no breach %q in %s", k, r.body)
		}
	}
	if !strings.Contains(e["message"].(string), "line 32, column customer_id") {
		t.Errorf("message %q", e["message"])
	}
	if n := warehousetest.Rows(t, db, "SELECT count(*) FROM customers WHERE gender = 'M'")[0][0]; n != float64(0) {
		t.Fatalf("a refused upload changed customers")
	}
	if r := do(t, srv, "POST", "/api/v1/tables/customers", file(nil), "Content-Type", "text/csv"); r.status != 200 {
		t.Fatalf("the unchanged table is refused: %d %s", r.status, r.body)
	}
}
