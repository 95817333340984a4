package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// deferredWrites holds a transaction's envelope row writes until something
// could tell the difference: every audited change rewrites the envelope
// (esign's appendAudit stores the audit chain's new head in it), so a
// transaction that appends five audit events would write the same row five
// times, and only the last one counts. The writes run, in the order first
// asked, before any statement that names the envelopes table (a read could
// otherwise see the old row, a lock could be taken in another order) or
// deletes (the delete could cascade to the envelope), and
// when the transaction ends, before it commits (tx.finish); a write of an
// envelope that does not exist fails the transaction there, with the
// NotFound UpdateEnvelope used to return.
type deferredWrites struct {
	ids    []string
	args   map[string][]any
	failed error // the first write that failed, for statements that cannot return it
}

// add defers a write of envelope id with args (updateEnvelopeSQL's),
// replacing a write of the same envelope deferred before.
func (w *deferredWrites) add(id string, args []any) {
	if w.args == nil {
		w.args = map[string][]any{}
	}
	if _, ok := w.args[id]; !ok {
		w.ids = append(w.ids, id)
	}
	w.args[id] = args
}

// before runs the deferred writes if statement q names the envelopes table
// or deletes (a delete may cascade to envelopes).
func (w *deferredWrites) before(ctx context.Context, t *tx, q string) error {
	if len(w.ids) == 0 || !strings.Contains(q, "envelopes") && !isDelete(q) {
		return nil
	}
	return w.flush(ctx, t)
}

// flush runs the deferred writes (on PostgreSQL: sends them with the next
// statement); it returns the first that failed, now or before.
func (w *deferredWrites) flush(ctx context.Context, t *tx) error {
	for len(w.ids) > 0 && w.failed == nil {
		id := w.ids[0]
		args := w.args[id]
		w.ids = w.ids[1:]
		delete(w.args, id)
		t.counters.statement(updateEnvelopeSQL)
		w.failed = t.stmts.write(ctx, t.d.rebind(updateEnvelopeSQL), args, oneRow("envelope", id))
	}
	return w.failed
}

// oneRow is the check of a write of the one what identified by id:
// NotFound if it changed no row.
func oneRow(what, id string) func(int64, error) error {
	return func(n int64, err error) error {
		if err != nil {
			return fmt.Errorf("update %s %s: %w", what, id, err)
		}
		if n == 0 {
			return esign.NotFound(what)
		}
		return nil
	}
}
