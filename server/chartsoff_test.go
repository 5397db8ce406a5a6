package server_test

import (
	"strings"
	"testing"

	"github.com/beaconbi/beacon/charts/render"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
)

// A server that cannot draw charts says why with 501, never 500: without
// Chromium, or built without the ECharts script (a plain go build, which
// answered 500 internal error to every chart before).
func TestChartPNGOffIs501NamingWhatIsMissing(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	for _, tc := range []struct {
		name, chromium string
		echarts        []byte
		says           string
	}{
		{"no Chromium", "/nonexistent/chromium", []byte("/* echarts */"), "no headless Chromium"},
		// /bin/true stands for a browser: the request must be answered
		// before any browser is started.
		{"no ECharts in the binary", "/bin/true", nil, "ECharts was not built into this binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := render.New(render.Config{ECharts: tc.echarts, ExecPath: tc.chromium, Logger: quietLogger()})
			t.Cleanup(func() { r.Close() })
			srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
				Images: &server.Images{Renderer: r}})
			if err != nil {
				t.Fatal(err)
			}
			base := serveHTTP(t, srv)
			got := send(t, base, "POST", "/api/v1/charts/png", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"]}`), "")
			checkError(t, got, 501, "")
			// not_implemented, not internal: "internal" means a bug.
			if code := got.json(t)["error"].(map[string]any)["code"]; code != "not_implemented" {
				t.Fatalf("code %v, want not_implemented", code)
			}
			if msg := got.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.says) {
				t.Fatalf("message %q, want it to say %q", msg, tc.says)
			}
		})
	}
}
