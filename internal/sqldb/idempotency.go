package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const idempotencyCols = `scope, key, request_hash, status, header, body, created_at, expires_at, locked_until`

func scanIdempotency(s rowScanner) (*esign.IdempotencyRecord, error) {
	r := &esign.IdempotencyRecord{}
	return r, s.Scan(&r.Scope, &r.Key, &r.RequestHash, &r.Status, &r.Header, &r.Body,
		timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, timeCol{&r.LockedUntil})
}

// CreateIdempotency inserts r. If (scope, key) exists another request with
// the key got there first, which the caller sees as in flight.
func (t *tx) CreateIdempotency(ctx context.Context, r *esign.IdempotencyRecord) error {
	_, err := t.exec(ctx, insertSQL("idempotency_keys", idempotencyCols),
		r.Scope, r.Key, r.RequestHash, r.Status, blob(r.Header), blob(r.Body),
		micros(r.CreatedAt), micros(r.ExpiresAt), micros(r.LockedUntil))
	if t.d.conflictOf(err) != noConflict {
		return esign.Errorf(esign.KindConflict, esign.CodeIdempotencyInFlight, "a request with this Idempotency-Key is already in progress")
	}
	if err != nil {
		return fmt.Errorf("create idempotency record: %w", err)
	}
	return nil
}

// IdempotencyByKey returns the record of (scope, key). In a write
// transaction it locks the record until the transaction ends: the caller
// decides from it whether to take over an abandoned request, and two
// requests must not both take it over.
func (t *tx) IdempotencyByKey(ctx context.Context, scope, key string) (*esign.IdempotencyRecord, error) {
	q := `SELECT ` + idempotencyCols + ` FROM idempotency_keys WHERE scope = ? AND key = ?` + t.lockRows()
	return getOne(ctx, t, "idempotency record", scanIdempotency, q, scope, key)
}

// SaveIdempotency stores r's response (status, header, body) and its
// expiry and lock times.
func (t *tx) SaveIdempotency(ctx context.Context, r *esign.IdempotencyRecord) error {
	const q = `UPDATE idempotency_keys SET status = ?, header = ?, body = ?, expires_at = ?, locked_until = ?
		WHERE scope = ? AND key = ?`
	return t.updateOne(ctx, "idempotency record", r.Key, q, r.Status, blob(r.Header), blob(r.Body),
		micros(r.ExpiresAt), micros(r.LockedUntil), r.Scope, r.Key)
}

// DeleteIdempotency deletes the record of (scope, key), if there is one.
func (t *tx) DeleteIdempotency(ctx context.Context, scope, key string) error {
	if _, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key); err != nil {
		return fmt.Errorf("delete idempotency record: %w", err)
	}
	return nil
}

// PurgeIdempotency deletes the records that expired before at and reports
// how many it deleted.
func (t *tx) PurgeIdempotency(ctx context.Context, at time.Time) (int64, error) {
	n, err := t.changed(ctx, `DELETE FROM idempotency_keys WHERE expires_at < ?`, micros(at))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency records: %w", err)
	}
	return n, nil
}
