package server_test

import (
	"fmt"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// A routed question answers through HTTP with its route, the request it
// made and that capability's result, which the web front and clients can
// check against the endpoint itself.
func TestChatCarriesTheRouteAndItsRequest(t *testing.T) {
	db, _ := scoredBank(t)
	eng := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Logger: quietLogger(),
		Chat: queries.NewChat(eng, queries.ChatConfig{DB: db})})
	if err != nil {
		t.Fatal(err)
	}
	a := chat(t, srv, "哪些年轻客户最可能流失？前5名", "")
	req := a["request"].(map[string]any)["risk"].(map[string]any)
	if a["route"] != "risk_list" || req["tier"] != "high" || req["segment"] != "年轻" || req["limit"] != float64(5) {
		t.Fatalf("route %v request %v", a["route"], a["request"])
	}
	want := warehousetest.Rows(t, db, `SELECT count(*) FROM risk_scores WHERE tier = 'high' AND segment = '年轻'
		AND month = (SELECT max(month) FROM risk_scores)`)[0][0]
	// The same request at the list endpoint gives the same page.
	list := do(t, srv, "GET", "/api/v1/risk/customers?tier=high&segment=%E5%B9%B4%E8%BD%BB&limit=5", nil).json(t)
	got := a["route_result"].(map[string]any)
	if fmt.Sprint(got["total"]) != fmt.Sprint(want) || fmt.Sprint(list["total"]) != fmt.Sprint(want) ||
		fmt.Sprint(got["customers"]) != fmt.Sprint(list["customers"]) {
		t.Fatalf("chat total %v, endpoint %v, hand SQL %v", got["total"], list["total"], want)
	}
	m := chat(t, srv, "上个月流失率是多少", "")
	if m["route"] != "metric" || m["request"] != nil || m["route_result"] != nil {
		t.Fatalf("a metric answer: route %v request %v", m["route"], m["request"])
	}
}
