package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// Pins are answers a user pinned from the Ask page to their own dashboard.
// A pin keeps the metric query, never its result: the browser runs it
// through POST /api/v1/query with the viewer's token, so it always shows
// the viewer's rows and today's figures.
const (
	// MaxPins is how many pins one user may keep.
	MaxPins = 50
	// maxPinQuery bounds a pin's query, as JSON.
	maxPinQuery = 8 << 10
	// maxPinTitle bounds a pin's title, in characters.
	maxPinTitle = 200
)

// pinKinds are the ways a pin is drawn: the dashboard's panel kinds.
var pinKinds = []string{"kpi", "line", "bar", "pie", "table"}

const createPinsSQL = `CREATE TABLE IF NOT EXISTS beacon_pins (id VARCHAR PRIMARY KEY, subject VARCHAR NOT NULL,
	title VARCHAR NOT NULL, kind VARCHAR NOT NULL, query VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL)`

// Pin is one pinned query.
type Pin struct {
	ID        string        `json:"id"`
	Title     string        `json:"title"`
	Kind      string        `json:"kind"`
	Query     metrics.Query `json:"query"`
	CreatedAt time.Time     `json:"created_at"`
}

// pinBody is what POST /api/v1/pins takes.
type pinBody struct {
	Title string         `json:"title"`
	Kind  string         `json:"kind"`
	Query *metrics.Query `json:"query"`
}

// mountPins adds the pin routes and says whether it did. Pins live in a
// table of Beacon's own in the warehouse; where it cannot be created (a
// database opened read-only) the routes are left out and the front shows
// no pin button.
func (s *Server) mountPins(api fiber.Router) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.db.WriteState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, createPinsSQL)
		return err
	}); err != nil {
		s.log.Warn("pins are off: their table cannot be created", "err", err)
		return false
	}
	viewer, cheap := s.allow(roleViewer), s.admit(ClassCheap)
	api.Get("/pins", viewer, cheap, s.listPins)
	api.Post("/pins", viewer, cheap, s.createPin)
	api.Delete("/pins/:id", viewer, cheap, s.deletePin)
	return true
}

// listPins handles GET /api/v1/pins: the caller's own pins, oldest first.
func (s *Server) listPins(c *fiber.Ctx) error {
	pins, err := readPins(c.UserContext(), s.db, principalOf(c).Subject)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"pins": pins, "max": MaxPins})
}

// createPin handles POST /api/v1/pins. The query is compiled under the
// caller's scope first, so a pin that could never run is refused with the
// field at fault.
func (s *Server) createPin(c *fiber.Ctx) error {
	p := principalOf(c)
	if p.Subject == "" {
		return beacon.Errorf(beacon.EFORBIDDEN, "pins belong to a signed-in user; this request has no subject")
	}
	var b pinBody
	if err := decodeJSON(c.Request().Body(), &b); err != nil {
		return err
	}
	pin, err := s.checkPin(b, p.Scope)
	if err != nil {
		return err
	}
	if err := insertPin(c.UserContext(), s.db, p.Subject, pin); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(pin)
}

// checkPin validates a pin's body and returns the pin to save.
func (s *Server) checkPin(b pinBody, scope metrics.Scope) (Pin, error) {
	title := strings.TrimSpace(b.Title)
	switch {
	case title == "":
		return Pin{}, beacon.Invalid("title", nil, "a pin needs a title (the question it answers)")
	case utf8.RuneCountInString(title) > maxPinTitle:
		return Pin{}, beacon.Invalid("title", nil, "the title has %d characters; at most %d", utf8.RuneCountInString(title), maxPinTitle)
	case strings.ContainsFunc(title, unicode.IsControl):
		return Pin{}, beacon.Invalid("title", nil, "the title holds a control character")
	}
	if !slices.Contains(pinKinds, b.Kind) {
		return Pin{}, beacon.Invalid("kind", pinKinds, "kind %q is not one of %s", clipParam(b.Kind), strings.Join(pinKinds, ", "))
	}
	if b.Query == nil {
		return Pin{}, beacon.Invalid("query", nil, "a pin needs a query, in the shape of POST /api/v1/query's body")
	}
	raw, err := json.Marshal(b.Query)
	if err != nil {
		return Pin{}, beacon.Invalid("query", nil, "the query cannot be stored: %v", err)
	}
	if len(raw) > maxPinQuery {
		return Pin{}, &beacon.Error{Code: beacon.ETOOLARGE, Field: "query",
			Message: fmt.Sprintf("the query is %d bytes as JSON; a pin holds at most %d", len(raw), maxPinQuery)}
	}
	if _, err := s.engine.Compile(*b.Query, scope); err != nil {
		return Pin{}, underQuery(err)
	}
	return Pin{ID: newPinID(), Title: title, Kind: b.Kind, Query: *b.Query, CreatedAt: time.Now().UTC()}, nil
}

// underQuery names a query error's field from the body's root:
// "metrics[0]" becomes "query.metrics[0]".
func underQuery(err error) error {
	var be *beacon.Error
	if !errors.As(err, &be) || be.Code != beacon.EINVALID {
		return err
	}
	c := *be
	c.Field = "query"
	if be.Field != "" {
		c.Field = "query." + be.Field
	}
	return &c
}

// deletePin handles DELETE /api/v1/pins/{id}: another user's pin is not
// found, as one that does not exist.
func (s *Server) deletePin(c *fiber.Ctx) error {
	id := c.Params("id")
	var n int64
	err := s.db.WriteState(c.UserContext(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(c.UserContext(), `DELETE FROM beacon_pins WHERE id = $1 AND subject = $2`, id, principalOf(c).Subject)
		if err != nil {
			return fmt.Errorf("delete pin: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return beacon.Errorf(beacon.ENOTFOUND, "you have no pin with id %q", clipParam(id))
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// insertPin saves a pin unless its owner already has MaxPins: the count
// and the insert share one transaction on the single writer.
func insertPin(ctx context.Context, db *warehouse.DB, subject string, p Pin) error {
	q, err := json.Marshal(p.Query)
	if err != nil {
		return fmt.Errorf("encode pin query: %w", err)
	}
	return db.WriteState(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM beacon_pins WHERE subject = $1`, subject).Scan(&n); err != nil {
			return fmt.Errorf("count pins: %w", err)
		}
		if n >= MaxPins {
			return &beacon.Error{Code: beacon.ECONFLICT, Field: "pins",
				Message: fmt.Sprintf("you have %d pins, the most one may keep; remove one first", n)}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO beacon_pins VALUES ($1, $2, $3, $4, $5, $6)`,
			p.ID, subject, p.Title, p.Kind, string(q), p.CreatedAt)
		if err != nil {
			return fmt.Errorf("save pin: %w", err)
		}
		return nil
	})
}

// readPins lists one user's pins, oldest first.
func readPins(ctx context.Context, db *warehouse.DB, subject string) ([]Pin, error) {
	pins := []Pin{}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT id, title, kind, query, created_at FROM beacon_pins
			WHERE subject = $1 ORDER BY created_at, id`, subject)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Pin
			var q string
			if err := rows.Scan(&p.ID, &p.Title, &p.Kind, &q, &p.CreatedAt); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(q), &p.Query); err != nil {
				return fmt.Errorf("pin %s: stored query: %w", p.ID, err)
			}
			pins = append(pins, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read pins: %w", err)
	}
	return pins, nil
}

// newPinID is 16 random hex digits.
func newPinID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness
	}
	return hex.EncodeToString(b[:])
}
