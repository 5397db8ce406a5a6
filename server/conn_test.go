package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
)

// A client that stops part-way through its headers, or its body, is cut off
// once the matching timeout passes, and the connection's slot is given back.
func TestSlowHeadersAndBodiesAreCutOff(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
		Conn: server.ConnLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadBodyTimeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, srv)
	for name, partial := range map[string]string{
		"headers": "GET /api/v1/metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"body":    "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"metrics\":",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprint(c, partial)
			// A hang guard only: the server must end the exchange by itself.
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), `"code"`) {
					t.Fatalf("slow %s: %d %s, want 408 with the JSON error", name, resp.StatusCode, b)
				}
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("slow %s: the server kept the connection open", name)
			}
			waitFor(t, func() bool {
				conns := get(t, base+"/healthz").json(t)["connections"].(map[string]any)
				return conns["open"] == float64(1) // the /healthz request's own
			})
		})
	}
}
