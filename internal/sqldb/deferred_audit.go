package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// maxAuditRows is how many audit events one INSERT writes at most, so that
// the SQL texts (one per row count) stay few for the statement caches, and
// the placeholders far below either engine's limit.
const maxAuditRows = 32

// auditInsertSQL[n] inserts n audit events.
var auditInsertSQL = func() []string {
	row := "(" + strings.Repeat("?, ", strings.Count(auditCols, ",")) + "?)"
	out := make([]string, maxAuditRows+1)
	for n := 1; n <= maxAuditRows; n++ {
		out[n] = "INSERT INTO audit_events (" + auditCols + ") VALUES " + strings.Repeat(row+", ", n-1) + row
	}
	return out
}()

// deferredAudit holds a transaction's audit events until something could
// tell the difference, and then inserts them with one statement: a use
// case appends one event per change (composing an envelope appends one for
// the draft, each document, recipient and field, the send and each signing
// URL), and every statement is a round trip on PostgreSQL and time holding
// the one writer on SQLite. The events are inserted, in the order
// appended, before any statement that names the audit_events table (a read
// must see them) or deletes (a delete may cascade from the envelope), and
// when the transaction ends, before it commits (tx.finish). An event that
// cannot be inserted fails the transaction there, with the conflict that
// AppendAudit used to return at once.
type deferredAudit struct {
	rows   [][]any
	failed error // the first insert that failed, for statements that cannot return it
}

// add defers the insert of one event, args being auditCols' values.
func (w *deferredAudit) add(args []any) {
	w.rows = append(w.rows, args)
}

// before inserts the deferred events if statement q names audit_events or
// deletes.
func (w *deferredAudit) before(ctx context.Context, t *tx, q string) error {
	if len(w.rows) == 0 || !strings.Contains(q, "audit_events") && !isDelete(q) {
		return w.failed
	}
	return w.flush(ctx, t)
}

// flush inserts the deferred events, maxAuditRows at a time; it returns
// the first insert that failed, now or before.
func (w *deferredAudit) flush(ctx context.Context, t *tx) error {
	for len(w.rows) > 0 && w.failed == nil {
		n := min(len(w.rows), maxAuditRows)
		args := make([]any, 0, n*len(w.rows[0]))
		for _, r := range w.rows[:n] {
			args = append(args, r...)
		}
		w.rows = w.rows[n:]
		q := auditInsertSQL[n]
		t.counters.statement(q)
		w.failed = t.stmts.write(ctx, t.d.rebind(q), args, inserted(t.d, "audit event"))
	}
	return w.failed
}

// inserted is the check of an INSERT of one what (insertError).
func inserted(d *dialect, what string) func(int64, error) error {
	return func(_ int64, err error) error {
		if err != nil {
			return insertError(d, what, err)
		}
		return nil
	}
}

// insertError is the error of an INSERT of one what that failed with err:
// a duplicate key is a conflict.
func insertError(d *dialect, what string, err error) error {
	if d.conflictOf(err) != noConflict {
		return esign.Errorf(esign.KindConflict, codeExists, "%s already exists", what)
	}
	return fmt.Errorf("create %s: %w", what, err)
}

// isDelete reports whether q is a DELETE.
func isDelete(q string) bool {
	return strings.HasPrefix(strings.TrimSpace(q), "DELETE")
}
