package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
)

// syncBuffer is a log sink the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A client that hangs up must stop its query: with the cancel lost, the
// cross join below would run for minutes and end in a timeout instead.
func TestHangingUpStopsTheQuery(t *testing.T) {
	logs := &syncBuffer{}
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{QueryTimeout: 5 * time.Minute})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Guard: queries.NewGuard(eng, 10),
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	body := `{"sql":"SELECT count(*) FROM customer_months a, customer_months b, customer_months c WHERE a.balance + b.balance + c.balance > -1"}`
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	time.Sleep(300 * time.Millisecond) // let the query start
	conn.Close()

	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(logs.String(), `"path":"/api/v1/sql","status":499`) {
		if time.Now().After(deadline) {
			t.Fatalf("the query was not stopped when its client left; logs:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
