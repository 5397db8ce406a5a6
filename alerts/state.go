package alerts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// The states of a rule's group.
const (
	StateOK       = "ok"
	StatePending  = "pending"
	StateFiring   = "firing"
	StateResolved = "resolved"
)

// Notices a state change sends.
const (
	noticeNone     = ""
	noticeFiring   = "firing"
	noticeRepeat   = "repeat"
	noticeResolved = "resolved"
)

// GroupState is where one group of a rule stands.
type GroupState struct {
	Rule  string `json:"rule"`
	Group string `json:"group"`
	State string `json:"state"`
	// Breaches counts consecutive breaching evaluations.
	Breaches int `json:"breaches"`
	// Incident identifies the current or last firing; it keys its notices.
	Incident   string     `json:"incident,omitempty"`
	Since      *time.Time `json:"since,omitempty"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	Repeats    int        `json:"repeats"`
	Value      *float64   `json:"value"`
}

// step moves a group's state by one evaluation and says which notice, if
// any, is due. It is the whole state machine: ok → pending → firing →
// resolved, with for and repeat.
func step(r *Rule, st GroupState, o Observation, now time.Time) (GroupState, string) {
	next := st
	next.Value = o.Value
	if st.State == "" {
		next.State = StateOK
	}
	if !o.Breach {
		next.Breaches = 0
		switch st.State {
		case StatePending:
			next.State = StateOK
		case StateFiring:
			next.State = StateResolved
			next.Since = &now
			return next, noticeResolved
		}
		return next, noticeNone
	}
	next.Breaches = st.Breaches + 1
	switch st.State {
	case StateFiring:
		if r.Repeat.value() > 0 && st.NotifiedAt != nil && now.Sub(*st.NotifiedAt) >= r.Repeat.value() {
			next.NotifiedAt = &now
			next.Repeats++
			return next, noticeRepeat
		}
		return next, noticeNone
	default:
		if next.Breaches < max(r.For, 1) {
			next.State = StatePending
			if st.State != StatePending {
				next.Since = &now
			}
			return next, noticeNone
		}
		next.State = StateFiring
		next.Incident = newID()
		next.Since, next.NotifiedAt = &now, &now
		next.Repeats = 0
		return next, noticeFiring
	}
}

// newID is a random identifier for incidents, silences and test sends.
func newID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness: nothing can be safe
	}
	return hex.EncodeToString(b)
}

// states reads the stored states of the given rules, by rule then group.
func (s *Store) states(ctx context.Context, ids []string) (map[string]map[string]GroupState, error) {
	out := map[string]map[string]GroupState{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT rule_id, group_key, state, breaches, incident, since, notified_at, repeats, value
			FROM alert_state WHERE list_contains(?, rule_id)`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g GroupState
			var since, notified sql.NullTime
			var value sql.NullFloat64
			if err := rows.Scan(&g.Rule, &g.Group, &g.State, &g.Breaches, &g.Incident, &since, &notified, &g.Repeats, &value); err != nil {
				return err
			}
			if since.Valid {
				g.Since = &since.Time
			}
			if notified.Valid {
				g.NotifiedAt = &notified.Time
			}
			if value.Valid {
				g.Value = &value.Float64
			}
			if out[g.Rule] == nil {
				out[g.Rule] = map[string]GroupState{}
			}
			out[g.Rule][g.Group] = g
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	return out, nil
}

// States lists a rule's groups and where each stands.
func (s *Store) States(ctx context.Context, id string) ([]GroupState, error) {
	m, err := s.states(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	var out []GroupState
	for _, g := range m[id] {
		out = append(out, g)
	}
	sortStates(out)
	return out, nil
}
