package risk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// RecordedActionsTable holds the retention actions recorded through the
// API. It is Beacon's own state (beacon_*), so loading the bank's data
// never replaces it; the uplift view reads it together with the bank's
// own retention_actions table.
const RecordedActionsTable = "beacon_retention_actions"

// BankActionsTable is the bank's (or the demo generator's) table of
// retention actions with their outcomes.
const BankActionsTable = "retention_actions"

// ActionChannels are the ways a retention action reaches a customer.
var ActionChannels = []string{"phone", "branch", "app", "sms", "wechat", "email", "visit"}

// Bounds on a recorded action.
const (
	maxActionCost = 10_000_000 // CNY: far above any real retention offer
	maxActionText = 64         // characters of type and owner
	maxActionNote = 500
)

// RetentionAction is one retention action taken with a customer.
type RetentionAction struct {
	ActionID   int64   `json:"action_id"`
	CustomerID int64   `json:"customer_id"`
	ActionType string  `json:"action_type"`
	Channel    string  `json:"channel"`
	Cost       float64 `json:"cost"`
	Date       string  `json:"date"` // YYYY-MM-DD
	Owner      string  `json:"owner"`
	Note       string  `json:"note,omitempty"`
	RecordedBy string  `json:"recorded_by,omitempty"`
	RecordedAt string  `json:"recorded_at,omitempty"`
	// Segment is the customer's, filled in when the action is recorded.
	Segment string `json:"segment,omitempty"`
}

// ActionRequest is the body of POST /api/v1/retention/actions. Cost is a
// pointer so that a missing cost is told apart from a free action.
type ActionRequest struct {
	CustomerID int64    `json:"customer_id"`
	ActionType string   `json:"action_type"`
	Channel    string   `json:"channel"`
	Cost       *float64 `json:"cost"`
	Date       string   `json:"date"`
	Owner      string   `json:"owner"`
	Note       string   `json:"note,omitempty"`
}

// Retention records retention actions and measures their effect, over
// the warehouse, for callers with a row scope.
type Retention struct {
	db     *warehouse.DB
	engine *metrics.Engine
}

// NewRetention returns the retention service over db; engine gives the
// catalog (for action types and the row scope's columns) and the clock.
func NewRetention(db *warehouse.DB, engine *metrics.Engine) *Retention {
	return &Retention{db: db, engine: engine}
}

// today is the engine's date in the model's zone.
func (r *Retention) today() time.Time {
	loc := r.engine.Catalog().Location
	y, m, d := r.engine.Now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Record validates and stores an action for a customer the caller may see.
func (r *Retention) Record(ctx context.Context, req ActionRequest, scope metrics.Scope, by string) (*RetentionAction, error) {
	a, day, err := r.validate(req)
	if err != nil {
		return nil, err
	}
	a.RecordedBy = by
	where, args, err := r.scopeFilter(ctx, scope)
	if err != nil {
		return nil, err
	}
	var onboard time.Time
	var closed sql.NullTime
	err = r.db.Read(ctx, func(conn *sql.Conn) error {
		q := `SELECT c.segment, c.onboard_date, c.close_date FROM customers c LEFT JOIN branches b USING (branch_id)
			WHERE c.customer_id = ?` + where
		return conn.QueryRowContext(ctx, q, append([]any{a.CustomerID}, args...)...).Scan(&a.Segment, &onboard, &closed)
	})
	if errors.Is(err, sql.ErrNoRows) {
		// Out of scope reads as unknown: a scoped caller learns nothing of other branches' customers.
		return nil, beacon.Invalid("customer_id", nil, "no customer %d among the customers you may see", a.CustomerID).WithCode(beacon.ENOTFOUND)
	}
	if err != nil {
		return nil, fmt.Errorf("look up customer %d: %w", a.CustomerID, err)
	}
	switch {
	case day.Before(onboard):
		return nil, beacon.Invalid("date", nil, "%s is before customer %d joined (%s)", a.Date, a.CustomerID, onboard.Format(time.DateOnly))
	case closed.Valid && day.After(closed.Time):
		return nil, beacon.Invalid("date", nil, "%s is after customer %d left (%s)", a.Date, a.CustomerID, closed.Time.Format(time.DateOnly))
	}
	a.RecordedAt = time.Now().UTC().Format(time.RFC3339)
	err = r.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, createRecordedActionsSQL); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(action_id), 0) + 1 FROM `+RecordedActionsTable).Scan(&a.ActionID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO `+RecordedActionsTable+` VALUES (?, ?, ?, ?, ?, ?, ?::DATE, ?, ?, ?, ?::TIMESTAMP)`,
			a.ActionID, a.CustomerID, a.Segment, a.ActionType, a.Channel, a.Cost, a.Date, a.Owner, a.Note, a.RecordedBy, a.RecordedAt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record retention action: %w", err)
	}
	return a, nil
}

const createRecordedActionsSQL = `CREATE TABLE IF NOT EXISTS ` + RecordedActionsTable + ` (
	action_id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, segment VARCHAR, action_type VARCHAR NOT NULL,
	channel VARCHAR NOT NULL, cost DOUBLE NOT NULL, action_date DATE NOT NULL, owner VARCHAR NOT NULL,
	note VARCHAR, recorded_by VARCHAR, recorded_at TIMESTAMP NOT NULL)`

// validate checks every field of an action request, naming the first bad one.
func (r *Retention) validate(req ActionRequest) (*RetentionAction, time.Time, error) {
	a := &RetentionAction{CustomerID: req.CustomerID, ActionType: strings.TrimSpace(req.ActionType), Channel: req.Channel,
		Date: req.Date, Owner: strings.TrimSpace(req.Owner), Note: req.Note}
	if a.CustomerID <= 0 {
		return nil, time.Time{}, beacon.Invalid("customer_id", nil, "give the customer's id, a whole number above 0")
	}
	types := r.actionTypes()
	switch {
	case a.ActionType == "":
		return nil, time.Time{}, beacon.Invalid("action_type", types, "give the action's type")
	case len(types) > 0 && !slices.Contains(types, a.ActionType):
		return nil, time.Time{}, beacon.Invalid("action_type", types, "unknown action type %q", clipText(a.ActionType))
	case utf8.RuneCountInString(a.ActionType) > maxActionText:
		return nil, time.Time{}, beacon.Invalid("action_type", nil, "action type is longer than %d characters", maxActionText)
	}
	if !slices.Contains(ActionChannels, a.Channel) {
		return nil, time.Time{}, beacon.Invalid("channel", ActionChannels, "unknown channel %q", clipText(a.Channel))
	}
	switch {
	case req.Cost == nil:
		return nil, time.Time{}, beacon.Invalid("cost", nil, "give the action's cost in the model's currency (0 for none)")
	case math.IsNaN(*req.Cost) || *req.Cost < 0 || *req.Cost > maxActionCost:
		return nil, time.Time{}, beacon.Invalid("cost", nil, "cost must be between 0 and %d, got %v", maxActionCost, *req.Cost)
	}
	a.Cost = *req.Cost
	day, err := metrics.ParseDate(a.Date, time.UTC)
	if err != nil {
		return nil, time.Time{}, beacon.Invalid("date", nil, "%v", err)
	}
	if today := r.today(); day.After(today) {
		return nil, time.Time{}, beacon.Invalid("date", nil, "%s is in the future (today is %s): record actions once they are taken", a.Date, today.Format(time.DateOnly))
	}
	switch {
	case a.Owner == "":
		return nil, time.Time{}, beacon.Invalid("owner", nil, "give the owner: who took the action (a relationship manager or team)")
	case utf8.RuneCountInString(a.Owner) > maxActionText:
		return nil, time.Time{}, beacon.Invalid("owner", nil, "owner is longer than %d characters", maxActionText)
	}
	if utf8.RuneCountInString(a.Note) > maxActionNote {
		return nil, time.Time{}, beacon.Invalid("note", nil, "note is longer than %d characters", maxActionNote)
	}
	for _, f := range []struct{ name, v string }{{"action_type", a.ActionType}, {"owner", a.Owner}, {"note", a.Note}} {
		if strings.ContainsFunc(f.v, func(r rune) bool { return r < 0x20 && r != '\n' }) {
			return nil, time.Time{}, beacon.Invalid(f.name, nil, "%s holds control characters", f.name)
		}
	}
	return a, day, nil
}

// actionTypes are the known action types: the values of the model's
// action_type dimension, when it lists them.
func (r *Retention) actionTypes() []string {
	d, ok := r.engine.Catalog().Dimension("action_type")
	if !ok {
		return nil
	}
	var out []string
	for _, v := range d.Values {
		out = append(out, v.Value)
	}
	return out
}

// scopeFilter turns the caller's row scope into SQL conditions on
// customers c and branches b, each value a bound parameter. A scope on a
// dimension that is not a column of either table cannot be applied to
// customer-level views, so it is refused rather than ignored.
func (r *Retention) scopeFilter(ctx context.Context, scope metrics.Scope) (string, []any, error) {
	if len(scope) == 0 {
		return "", nil, nil
	}
	tables, err := r.db.Tables(ctx)
	if err != nil {
		return "", nil, err
	}
	has := func(table, col string) bool {
		return slices.ContainsFunc(tables[table], func(c warehouse.Column) bool { return c.Name == col })
	}
	cat := r.engine.Catalog()
	dims := make([]string, 0, len(scope))
	for d := range scope {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	var b strings.Builder
	var args []any
	for _, name := range dims {
		d, ok := cat.Dimension(name)
		values := scope[name]
		if !ok || d.Column == "" || len(values) == 0 {
			return "", nil, beacon.Errorf(beacon.EFORBIDDEN, "your row scope on %s cannot be applied to customer-level retention views", name)
		}
		alias := ""
		switch {
		case has("customers", d.Column):
			alias = "c."
		case has("branches", d.Column):
			alias = "b."
		default:
			return "", nil, beacon.Errorf(beacon.EFORBIDDEN, "your row scope on %s cannot be applied to customer-level retention views", name)
		}
		fmt.Fprintf(&b, " AND %s%s IN (%s)", alias, warehouse.QuoteIdent(d.Column), strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", "))
		for _, v := range values {
			args = append(args, v)
		}
	}
	return b.String(), args, nil
}
