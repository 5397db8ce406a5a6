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
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
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
}

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
	s := &Server{cfg: cfg, log: cfg.Logger, auth: auth, engine: cfg.Engine, chat: cfg.Chat, guard: cfg.Guard, db: cfg.DB}
	s.app = fiber.New(fiber.Config{
		AppName:               "beacon",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Fiber reads bodies up to the upload limit; limitBody then holds every
		// route but uploads to the smaller BodyLimit.
		BodyLimit: cfg.UploadLimit,
		// Handlers keep strings from requests (time zones, filter values) in
		// cached results: they must not alias fasthttp's reused buffers.
		Immutable:    true,
		ReadTimeout:  2 * time.Minute,
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		JSONEncoder:  jsonMarshal,
	})
	s.routes()
	return s, nil
}

// App exposes the Fiber app, for in-process tests.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on cfg.Addr until Shutdown.
func (s *Server) Listen() error {
	s.log.Info("beacon listening", "addr", s.cfg.Addr, "auth", s.auth.enabled())
	return s.app.Listen(s.cfg.Addr)
}

// Serve serves on an existing listener (tests and benchmarks use 127.0.0.1:0).
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.app.ShutdownWithContext(ctx)
}

func (s *Server) routes() {
	s.app.Use(recover.New())
	s.app.Use(requestid.New(requestid.Config{ContextKey: "requestid"}))
	s.app.Use(s.logRequests)
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/api/v1/openapi.json", s.openAPI)

	api := s.app.Group("/api/v1", s.authenticate, s.limitBody, s.cancelOnDisconnect)
	api.Get("/metrics", s.allow(roleViewer), s.listMetrics)
	api.Get("/metrics/:name/definition", s.allow(roleViewer), s.getDefinition)
	api.Get("/metrics/:name", s.allow(roleViewer), s.getMetric)
	api.Post("/query", s.allow(roleViewer), s.postQuery)
	api.Post("/query/compile", s.allow(roleAnalyst), s.postCompile)
	api.Get("/dimensions", s.allow(roleViewer), s.listDimensions)
	if s.chat != nil {
		api.Post("/chat", s.allow(roleViewer), s.postChat)
	}
	if s.guard != nil {
		api.Post("/sql", s.allow(roleAnalyst), s.postSQL)
	}
	api.Get("/tables", s.allow(roleAnalyst), s.listTables)
	api.Post("/tables/:name", s.allow(roleAdmin), s.postTable)
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

// healthz handles GET /healthz: the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.cfg.Version})
}

// readyz handles GET /readyz: the database answers.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("readiness check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ready", "data_version": s.db.Version()})
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
