package sqldb

import (
	"context"
	"errors"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

const envelopeCols = `id, org_id, owner_id, name, subject, message, status,
	expires_at, sent_at, completed_at, voided_at, void_reason, declined_at, expired_at,
	result_status, result_error, audit_seq, audit_head, created_at, updated_at,
	reminder_delay, reminder_frequency, expiry_warning, expiry_warning_at, team_id`

func scanEnvelope(s rowScanner) (*esign.Envelope, error) {
	e := &esign.Envelope{}
	return e, s.Scan(&e.ID, &e.OrgID, &e.OwnerID, &e.Name, &e.Subject, &e.Message, &e.Status,
		nullTimeCol{&e.ExpiresAt}, nullTimeCol{&e.SentAt}, nullTimeCol{&e.CompletedAt},
		nullTimeCol{&e.VoidedAt}, &e.VoidReason, nullTimeCol{&e.DeclinedAt}, nullTimeCol{&e.ExpiredAt},
		&e.ResultStatus, &e.ResultError, &e.AuditSeq, &e.AuditHead, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt},
		durationCol{&e.ReminderDelay}, durationCol{&e.ReminderFrequency}, durationCol{&e.ExpiryWarning}, nullTimeCol{&e.ExpiryWarningAt}, nullStringCol{&e.TeamID})
}

// CreateEnvelope inserts e.
func (t *tx) CreateEnvelope(ctx context.Context, e *esign.Envelope) error {
	return t.insertLater(ctx, "envelope", insertSQL("envelopes", envelopeCols),
		e.ID, e.OrgID, e.OwnerID, e.Name, e.Subject, e.Message, string(e.Status),
		nullMicros(e.ExpiresAt), nullMicros(e.SentAt), nullMicros(e.CompletedAt),
		nullMicros(e.VoidedAt), e.VoidReason, nullMicros(e.DeclinedAt), nullMicros(e.ExpiredAt),
		string(e.ResultStatus), e.ResultError, e.AuditSeq, e.AuditHead, micros(e.CreatedAt), micros(e.UpdatedAt),
		seconds(e.ReminderDelay), seconds(e.ReminderFrequency), seconds(e.ExpiryWarning), nullMicros(e.ExpiryWarningAt), nullString(e.TeamID))
}

// envelopeByIDSQL is what EnvelopeByID runs.
var envelopeByIDSQL = `SELECT ` + envelopeReadCols + ` FROM envelopes WHERE id = ?`

// EnvelopeByID returns the envelope with the id, whatever its organization.
func (t *tx) EnvelopeByID(ctx context.Context, id string) (*esign.Envelope, error) {
	return getOne(ctx, t, "envelope", t.scanEnvelopeRead, envelopeByIDSQL, id)
}

// LockEnvelope is EnvelopeByID that locks the row until the transaction
// ends (SELECT … FOR UPDATE on PostgreSQL). Every change to an envelope, its
// contents and its audit chain (audit_seq, audit_head) holds this lock, which
// is what makes the domain's read-decide-write safe. On SQLite the lock is
// the write transaction itself.
func (t *tx) LockEnvelope(ctx context.Context, id string) (*esign.Envelope, error) {
	return getOne(ctx, t, "envelope", t.scanEnvelopeRead, envelopeByIDSQL+t.lockRows(), id)
}

// UpdateEnvelope writes every mutable column of e; the organization, owner
// and creation time never change.
// It defers the write (deferredWrites): every audited change rewrites the
// envelope row for the chain's new head, often several times in one
// transaction, and only the last write counts.
func (t *tx) UpdateEnvelope(ctx context.Context, e *esign.Envelope) error {
	t.envelopeWrites.add(e.ID, []any{e.Name, e.Subject, e.Message, string(e.Status),
		nullMicros(e.ExpiresAt), nullMicros(e.SentAt), nullMicros(e.CompletedAt), nullMicros(e.VoidedAt), e.VoidReason,
		nullMicros(e.DeclinedAt), nullMicros(e.ExpiredAt), string(e.ResultStatus), e.ResultError,
		e.AuditSeq, e.AuditHead, micros(e.UpdatedAt),
		seconds(e.ReminderDelay), seconds(e.ReminderFrequency), seconds(e.ExpiryWarning), nullMicros(e.ExpiryWarningAt), e.ID})
	return nil
}

// updateEnvelopeSQL writes every mutable column of an envelope; its
// arguments are those UpdateEnvelope collects, the id last.
const updateEnvelopeSQL = `UPDATE envelopes SET name = ?, subject = ?, message = ?, status = ?,
	expires_at = ?, sent_at = ?, completed_at = ?, voided_at = ?, void_reason = ?,
	declined_at = ?, expired_at = ?, result_status = ?, result_error = ?,
	audit_seq = ?, audit_head = ?, updated_at = ?,
	reminder_delay = ?, reminder_frequency = ?, expiry_warning = ?, expiry_warning_at = ?
	WHERE id = ?`

// ListEnvelopes returns the envelopes f selects, newest first: ordered by
// created_at then id, both descending, so that the cursor (created_at, id)
// pages through envelopes created in the same microsecond without skipping
// or repeating any. A Limit of zero or less means no limit.
func (t *tx) ListEnvelopes(ctx context.Context, f esign.EnvelopeFilter) ([]*esign.Envelope, error) {
	if f.OrgID == "" && !f.AllOrgs {
		return nil, errors.New("list envelopes: an organization is required unless AllOrgs")
	}
	q, args := listEnvelopesSQL(f)
	return getAll(ctx, t, "envelopes", t.scanEnvelopeRead, q, args...)
}

// likeEscaper makes search text literal in a LIKE pattern (escape '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func listEnvelopesSQL(f esign.EnvelopeFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if !f.AllOrgs {
		add(`org_id = ?`, f.OrgID)
	}
	if f.Scope != nil && !f.AllOrgs {
		scopeSQL(*f.Scope, add)
	}
	if f.Status != "" {
		add(`status = ?`, string(f.Status))
	}
	if f.ExpiresBefore != nil {
		add(`status IN (?, ?) AND expires_at <= ?`, string(esign.StatusSent), string(esign.StatusDelivered), micros(*f.ExpiresBefore))
	}
	if !f.BeforeCreatedAt.IsZero() {
		add(`(created_at, id) < (?, ?)`, micros(f.BeforeCreatedAt), f.BeforeID)
	}
	if f.Search != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(f.Search)) + "%"
		add(`(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(subject) LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	q := `SELECT ` + envelopeReadCols + ` FROM envelopes`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return q, args
}

// scopeSQL adds the condition that keeps the envelopes of a caller's scope:
// all of them, or those of an owner and those of some teams (none when the
// scope names neither). The domain decides the scope; this only applies it.
func scopeSQL(s esign.EnvelopeScope, add func(cond string, a ...any)) {
	if s.All {
		return
	}
	var or []string
	var args []any
	if s.OwnerID != "" {
		or, args = append(or, `owner_id = ?`), append(args, s.OwnerID)
	}
	if len(s.TeamIDs) > 0 {
		or = append(or, `team_id IN (`+strings.Repeat("?, ", len(s.TeamIDs)-1)+`?)`)
		for _, id := range s.TeamIDs {
			args = append(args, id)
		}
	}
	if len(or) == 0 {
		add(`1 = 0`)
		return
	}
	add(`(`+strings.Join(or, ` OR `)+`)`, args...)
}
