package sqldb

import (
	"context"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

const auditCols = `envelope_id, seq, version, type, actor_type, actor_id, actor_email, actor_ip, actor_user_agent,
	occurred_at, data, previous_hash, hash`

func scanAudit(s rowScanner) (*esign.AuditEvent, error) {
	e := &esign.AuditEvent{}
	return e, s.Scan(&e.EnvelopeID, &e.Seq, &e.Version, &e.Type,
		&e.Actor.Type, &e.Actor.ID, &e.Actor.Email, &e.Actor.IP, &e.Actor.UserAgent,
		timeCol{&e.OccurredAt}, jsonCol{&e.Data}, &e.PreviousHash, &e.Hash)
}

// AppendAudit inserts e, with the transaction's other events, when the
// transaction next reads or deletes them, or ends (deferredAudit). The
// primary key (envelope_id, seq) makes a second event with the same
// sequence number a conflict, whatever the locking; the transaction then
// fails. The time is stored to the microsecond, which is all the canonical
// encoding keeps.
func (t *tx) AppendAudit(ctx context.Context, e *esign.AuditEvent) error {
	data, err := jsonText(e.Data)
	if err != nil {
		return fmt.Errorf("append audit event %s#%d: %w", e.EnvelopeID, e.Seq, err)
	}
	t.auditWrites.add([]any{e.EnvelopeID, e.Seq, e.Version, e.Type,
		string(e.Actor.Type), e.Actor.ID, e.Actor.Email, e.Actor.IP, e.Actor.UserAgent,
		micros(e.OccurredAt), data, e.PreviousHash, e.Hash})
	return nil
}

// auditEventsSQL is what AuditEvents runs.
const auditEventsSQL = `SELECT ` + auditCols + ` FROM audit_events WHERE envelope_id = ? ORDER BY seq`

// AuditEvents returns the envelope's events in sequence order.
func (t *tx) AuditEvents(ctx context.Context, envelopeID string) ([]*esign.AuditEvent, error) {
	return getAll(ctx, t, "audit events", scanAudit, auditEventsSQL, envelopeID)
}
