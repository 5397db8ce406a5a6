// Package server is Beacon's HTTP API: routes, middleware (auth, request
// ids, logging, limits), thin handlers and the one place where errors become
// HTTP statuses.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/valyala/fasthttp"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

// Config is everything the server needs, passed in by main.
type Config struct {
	// Addr is where to listen, e.g. 127.0.0.1:8080.
	Addr   string
	DB     *warehouse.DB
	Engine *metrics.Engine
	// Chat answers questions; nil disables /api/v1/chat.
	Chat *queries.Chat
	// Guard runs analysts' free SQL; nil disables /api/v1/sql.
	Guard *queries.Guard
	// UploadDir is where uploaded files are staged; it must be the folder
	// DuckDB is allowed to read (see warehouse.DB.Lockdown).
	UploadDir string
	Auth      AuthConfig
	Logger    *slog.Logger
	// BodyLimit caps request bodies in bytes (default 1 MiB); UploadLimit
	// caps table uploads (default 64 MiB; load larger files with beacon load).
	BodyLimit   int
	UploadLimit int
	// Version is the build version reported by /healthz.
	Version string
	// Timeouts and the connection cap; zero fields take DefaultConnLimits.
	Conn ConnLimits
	// Admission bounds each class of work; zero takes DefaultAdmission.
	Admission AdmissionConfig
	// SummaryLLM rewrites the weekly retention summary's prose; nil keeps
	// the offline text.
	SummaryLLM risk.Rewriter
	// Dashboards are served to the web front; nil serves none.
	Dashboards []models.Dashboard
	// Alerts serves /api/v1/alerts, subscriptions and silences; nil turns them off.
	Alerts *alerts.Scheduler
	// Images are chart images (links and PNG rendering); nil turns them off.
	Images *Images
	// Reports are the declared reports under /reports/{name}; nil serves
	// only the report of a query (/reports/query).
	Reports *reports.Set
	// ReportLinks opens the shared report links alert and subscription
	// messages carry (GET /shared/{token}); nil serves none.
	ReportLinks *reports.Sharer
	// SlowQuery logs requests that take longer at WARN with their SQL
	// (0: DefaultSlowQuery; negative: off).
	SlowQuery time.Duration
}

// ConnLimits are the connection-level bounds.
type ConnLimits struct {
	// ReadHeaderTimeout is how long a client has to send a request's
	// headers, from connecting or from the first byte of a keep-alive
	// request; slow or half-sent headers are cut off after it.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout is how long the body may take once the headers are in.
	ReadBodyTimeout time.Duration
	// WriteTimeout bounds writing a response once the handler has returned.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections with no new request.
	IdleTimeout time.Duration
	// MaxConns caps open connections; 0 means no cap.
	MaxConns int
}

// DefaultConnLimits are the timeouts a client on a slow link still meets.
var DefaultConnLimits = ConnLimits{ReadHeaderTimeout: 10 * time.Second, ReadBodyTimeout: time.Minute,
	WriteTimeout: time.Minute, IdleTimeout: time.Minute}

// Server is the Beacon HTTP server.
type Server struct {
	app    *fiber.App
	cfg    Config
	log    *slog.Logger
	auth   *authenticator
	engine *metrics.Engine
	chat   *queries.Chat
	guard  *queries.Guard
	db     *warehouse.DB

	admission *admission
	// bodies bounds the memory large request bodies hold while read.
	bodies *bodyBudget
	ln     *guardedListener
	// draining is set at shutdown: /readyz answers 503 from then on.
	draining atomic.Bool
	// work is the parent of every request's context; stopWork cancels it
	// when the shutdown grace runs out, interrupting queries still running.
	work     context.Context
	stopWork context.CancelFunc
	// inFlight counts running handlers, so shutdown can wait for them.
	inFlight atomic.Int64
}

// New builds the server and its routes. It refuses to serve a non-loopback
// address without authentication.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.UploadLimit == 0 {
		cfg.UploadLimit = 64 << 20
	}
	auth, err := newAuthenticator(cfg.Auth)
	if err != nil {
		return nil, err
	}
	if !auth.enabled() {
		if !isLoopback(cfg.Addr) {
			return nil, fmt.Errorf("refusing to listen on %s without authentication: set a JWT secret or public key, or listen on 127.0.0.1", cfg.Addr)
		}
		cfg.Logger.Warn("authentication is off: no JWT secret or public key configured; listening on loopback only", "addr", cfg.Addr)
	}
	cfg.Conn = withDefaults(cfg.Conn)
	if err := checkDashboards(cfg.Engine, cfg.Dashboards); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, auth: auth, engine: cfg.Engine, chat: cfg.Chat, guard: cfg.Guard, db: cfg.DB,
		admission: newAdmission(cfg.Admission), bodies: newBodyBudget(bodyBudgetFor(cfg.BodyLimit, cfg.UploadLimit))}
	s.work, s.stopWork = context.WithCancel(context.Background())
	concurrency := fiber.DefaultConcurrency
	if cfg.Conn.MaxConns > 0 {
		// The listener enforces the cap (with a JSON refusal); fasthttp's own
		// limit must never be the one that bites.
		concurrency = max(concurrency, 2*cfg.Conn.MaxConns)
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "beacon",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Fiber reads bodies up to the upload limit; limitBody then holds every
		// route but uploads to the smaller BodyLimit.
		BodyLimit: cfg.UploadLimit,
		// Handlers keep strings from requests (time zones, filter values) in
		// cached results: they must not alias fasthttp's reused buffers.
		Immutable: true,
		// fasthttp's ReadTimeout runs from the connection's (or a keep-alive
		// request's) first byte to the end of the headers; headerReceived
		// then gives the body its own deadline.
		ReadTimeout:  cfg.Conn.ReadHeaderTimeout,
		WriteTimeout: cfg.Conn.WriteTimeout,
		IdleTimeout:  cfg.Conn.IdleTimeout,
		Concurrency:  concurrency,
		JSONEncoder:  jsonMarshal,
	})
	s.app.Server().HeaderReceived = s.headerReceived
	s.routes()
	return s, nil
}

func withDefaults(l ConnLimits) ConnLimits {
	d := DefaultConnLimits
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadBodyTimeout <= 0 {
		l.ReadBodyTimeout = d.ReadBodyTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	return l
}

// headerReceived runs once a request's headers are in: the body gets its
// own read deadline, and only table uploads may send more than BodyLimit,
// so a large body to any other route is refused before it is read.
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	limit := s.cfg.BodyLimit
	if string(h.Method()) == fiber.MethodPost && isUpload(string(h.RequestURI())) {
		limit = s.cfg.UploadLimit
	}
	conf := fasthttp.RequestConfig{ReadTimeout: s.cfg.Conn.ReadBodyTimeout, MaxRequestBodySize: limit}
	s.admitBody(h, &conf)
	return conf
}

// App exposes the Fiber app, for in-process tests.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on cfg.Addr until Shutdown.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.log.Info("beacon listening", "addr", s.cfg.Addr, "auth", s.auth.enabled(), "max_conns", s.cfg.Conn.MaxConns,
		"read_header_timeout", s.cfg.Conn.ReadHeaderTimeout.String(), "read_body_timeout", s.cfg.Conn.ReadBodyTimeout.String(),
		"write_timeout", s.cfg.Conn.WriteTimeout.String(), "idle_timeout", s.cfg.Conn.IdleTimeout.String())
	return s.Serve(ln)
}

// Serve serves on an existing listener (tests and benchmarks use 127.0.0.1:0).
func (s *Server) Serve(ln net.Listener) error {
	s.ln = newGuardedListener(ln, s.cfg.Conn.MaxConns, s.log)
	return s.app.Listener(s.ln)
}

// Shutdown stops accepting connections, makes /readyz answer 503 and waits
// for requests in flight. When ctx ends first, it cancels the work still
// running (DuckDB interrupts its queries) and waits up to two more seconds
// for the handlers to return, so the database can then close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	done := make(chan error, 1)
	go func() { done <- s.app.ShutdownWithContext(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		s.stopWork()
		return nil
	}
	s.log.Warn("shutdown grace ran out; stopping requests still running", "err", err)
	s.stopWork()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s.inFlight.Load() == 0 {
			return nil
		}
	}
	return fmt.Errorf("shutdown: %d request(s) still running after their work was cancelled: %w", s.inFlight.Load(), err)
}

// track marks the connection busy while a handler runs (so it is never
// closed to make room) and counts the handler for shutdown.
func (s *Server) track(c *fiber.Ctx) error {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	defer s.releaseBody(c)
	if cc, ok := c.Context().Conn().(*countedConn); ok {
		cc.busy.Add(1)
		defer cc.busy.Add(-1)
	}
	return c.Next()
}

func (s *Server) routes() {
	s.app.Use(s.track)
	s.app.Use(recover.New())
	s.app.Use(cleanRequestID)
	s.app.Use(requestid.New(requestid.Config{ContextKey: "requestid"}))
	s.app.Use(s.logRequests)
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/api/v1/openapi.json", s.openAPI)
	s.mountAssets()
	s.mountReports()

	api := s.app.Group("/api/v1", s.authenticate, s.limitBody, s.cancelOnDisconnect)
	cheap := s.admit(ClassCheap)
	api.Get("/metrics", s.allow(roleViewer), cheap, s.listMetrics)
	api.Get("/metrics/:name/definition", s.allow(roleViewer), cheap, s.getDefinition)
	api.Get("/metrics/:name", s.allow(roleViewer), s.getMetric)
	api.Post("/query", s.allow(roleViewer), s.postQuery)
	api.Post("/query/compile", s.allow(roleAnalyst), cheap, s.postCompile)
	api.Get("/dimensions", s.allow(roleViewer), cheap, s.listDimensions)
	s.mountDimensionValues(api)
	if s.chat != nil {
		api.Post("/chat", s.allow(roleViewer), s.admit(ClassChat), s.postChat)
	}
	if s.guard != nil {
		api.Post("/sql", s.allow(roleAnalyst), s.admit(ClassSQL), s.postSQL)
	}
	api.Get("/tables", s.allow(roleAnalyst), cheap, s.listTables)
	s.mountExplain(api)
	s.mountImages(api)
	s.mountRetention(api)
	s.mountRisk(api)
	api.Post("/tables/:name", s.allow(roleAdmin), s.postTable)
	s.mountFront(api)
	s.mountAlerts(api)
	s.app.Use(func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("no route %s %s; see /api/v1/openapi.json", c.Method(), c.Path()))
	})
}

// limitBody caps request bodies on API routes, except table uploads which
// have their own, larger limit.
//
// It measures the body as sent: compressed bodies are refused outright, as
// Fiber would inflate them in memory (a small gzip can become gigabytes).
func (s *Server) limitBody(c *fiber.Ctx) error {
	// Every Content-Encoding header counts: Fiber would inflate by the last one.
	for _, enc := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		if e := strings.TrimSpace(string(enc)); e != "" && !strings.EqualFold(e, "identity") {
			return fiber.NewError(fiber.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q is not accepted; send the body uncompressed", clipParam(e)))
		}
	}
	n := len(c.Request().Body())
	if n > s.cfg.BodyLimit && !(c.Method() == fiber.MethodPost && isUpload(c.Path())) {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("request body is %d bytes; the limit is %d", n, s.cfg.BodyLimit))
	}
	return c.Next()
}

func isUpload(path string) bool {
	const prefix = "/api/v1/tables/"
	return len(path) > len(prefix) && path[:len(prefix)] == prefix
}

// healthz handles GET /healthz: the process is up, and how loaded it is:
// per class of work, requests running and waiting, and connections.
func (s *Server) healthz(c *fiber.Ctx) error {
	conns := fiber.Map{"max": s.cfg.Conn.MaxConns}
	if s.ln != nil {
		conns["open"], conns["refused"], conns["evicted"], conns["accept_retries"] =
			s.ln.open.Load(), s.ln.refused.Load(), s.ln.evicted.Load(), s.ln.retries.Load()
	}
	return c.JSON(fiber.Map{"status": "ok", "version": s.cfg.Version, "draining": s.draining.Load(),
		"load": s.admission.load(), "connections": conns})
}

// readyz handles GET /readyz: the server takes work. It answers 200 while
// the database answers on its own health connection, however busy the
// query pool is (a busy server refuses extra work itself, with 503 and
// Retry-After), and 503 once shutdown has begun or the database fails.
func (s *Server) readyz(c *fiber.Ctx) error {
	if s.draining.Load() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "shutting_down"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("readiness check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	out := fiber.Map{"status": "ready", "data_version": s.db.Version(), "tables": s.tableStatuses(c)}
	s.scoringState(c, out)
	return c.JSON(out)
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet; report the status it will choose.
		status = statusOf(err)
	}
	s.log.Info("request", "method", c.Method(), "path", c.Path(), "status", status,
		"ms", float64(time.Since(start).Microseconds())/1000, "request_id", requestID(c))
	s.logSlow(c, status, time.Since(start))
	return err
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals("requestid").(string); ok {
		return v
	}
	return ""
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
