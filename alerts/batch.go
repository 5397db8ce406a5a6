package alerts

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// rowBatch collects the rows of one INSERT and writes them a few hundred
// per statement: a step with a thousand rules writes thousands of states,
// history rows and notices, and DuckDB takes milliseconds per statement
// but little more for a statement of many rows.
type rowBatch struct {
	head   string // INSERT ... INTO table (columns)
	row    string // one row's placeholders, e.g. (?, ?, 'pending')
	suffix string // e.g. ON CONFLICT (key) DO NOTHING
	rows   [][]any
}

// batchRows bounds the rows of one statement.
const batchRows = 200

func (b *rowBatch) add(vals ...any) { b.rows = append(b.rows, vals) }

// flush writes the rows collected within tx.
func (b *rowBatch) flush(ctx context.Context, tx *sql.Tx) error {
	return b.flushSep(ctx, tx, " VALUES ")
}

// flushValues runs the statement for rows listed in a VALUES clause
// that the head opens (an UPDATE ... FROM (VALUES ...)).
func (b *rowBatch) flushValues(ctx context.Context, tx *sql.Tx) error {
	return b.flushSep(ctx, tx, " ")
}

func (b *rowBatch) flushSep(ctx context.Context, tx *sql.Tx, sep string) error {
	for len(b.rows) > 0 {
		n := min(len(b.rows), batchRows)
		chunk := b.rows[:n]
		b.rows = b.rows[n:]
		var args []any
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := b.head + sep + strings.TrimSuffix(strings.Repeat(b.row+", ", n), ", ") + " " + b.suffix
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", b.table(), err)
		}
	}
	return nil
}

// table names the statement's table, for errors.
func (b *rowBatch) table() string {
	f := strings.Fields(b.head)
	for i, w := range f {
		if (w == "INTO" || w == "UPDATE") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return b.head
}

// tickWrites are the rows one step writes, flushed at its end.
type tickWrites struct {
	schedule, states, history, outbox *rowBatch
	// deliveries are attempts logged as "sending" (written by deliver,
	// not by a tick's flush).
	deliveries *rowBatch
}

func newTickWrites() *tickWrites {
	return &tickWrites{
		schedule: &rowBatch{head: `INSERT OR REPLACE INTO alert_schedule (id, cron, time_zone, next_at, last_at)`, row: `(?, ?, ?, ?, ?)`},
		states:   &rowBatch{head: `INSERT OR REPLACE INTO alert_state (rule_id, group_key, state, breaches, incident, since, notified_at, repeats, value)`, row: `(?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		history:  &rowBatch{head: `INSERT INTO alert_history (rule_id, group_key, happened_at, state_from, state_to, incident, value, detail)`, row: `(?, ?, ?, ?, ?, ?, ?, ?)`},
		outbox: &rowBatch{head: `INSERT INTO alert_outbox (key, rule_id, group_key, incident, channel, recipients, kind, message, status, attempts, next_try, created_at)`,
			row: `(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`, suffix: `ON CONFLICT (key) DO NOTHING`},
		deliveries: &rowBatch{head: `INSERT INTO alert_deliveries (key, rule_id, incident, channel, kind, attempt, happened_at, status, http_status, answer)`,
			row: `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	}
}

func (w *tickWrites) flush(ctx context.Context, tx *sql.Tx) error {
	for _, b := range []*rowBatch{w.schedule, w.states, w.history, w.outbox} {
		if err := b.flush(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}
