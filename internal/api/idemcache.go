package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// IdempotencyCache is a fast path in front of the database's idempotency
// records, which stay the source of truth. It holds only finished records,
// which never change until they expire, so a hit can be replayed (or a
// different request refused) without the database. Any miss or error sends
// the request down the database path.
type IdempotencyCache interface {
	// GetIdempotency returns the finished record of (scope, key); an
	// error of KindNotFound when there is none.
	GetIdempotency(ctx context.Context, scope, key string) (*esign.IdempotencyRecord, error)
	// PutIdempotency keeps a finished record for ttl.
	PutIdempotency(ctx context.Context, rec *esign.IdempotencyRecord, ttl time.Duration) error
}

// cacheLogEvery is how often a failing cache is logged at most.
const cacheLogEvery = time.Minute

// replayCached answers a keyed request from the cache when it holds the
// key's finished response, and reports whether it did.
func (a *api) replayCached(w http.ResponseWriter, r *http.Request, k *idemKey) bool {
	rec := a.cached(r, k)
	if rec == nil {
		return false
	}
	if rec.RequestHash != k.hash {
		a.writeError(w, r, errKeyReused)
		return true
	}
	saved, body, err := k.unpack(rec)
	if err != nil { // a damaged entry: the database has the good one
		a.cacheFailed(r, err)
		return false
	}
	writeReplay(w, rec.Status, saved, body)
	return true
}

// cached returns the key's finished, unexpired record from the cache, or
// nil when the database must answer.
func (a *api) cached(r *http.Request, k *idemKey) *esign.IdempotencyRecord {
	if a.cfg.IdempotencyCache == nil {
		return nil
	}
	rec, err := a.cfg.IdempotencyCache.GetIdempotency(r.Context(), k.scope, k.key)
	if err != nil {
		if !esign.IsKind(err, esign.KindNotFound) {
			a.cacheFailed(r, err)
		}
		return nil
	}
	if rec.Scope != k.scope || rec.Key != k.key || rec.Status == 0 || !a.now().Before(rec.ExpiresAt) {
		return nil
	}
	return rec
}

// remember puts a finished record, as saved in the database, in the cache
// for the rest of its life. In-flight records are never cached: only the
// database decides who holds a key.
func (a *api) remember(r *http.Request, rec *esign.IdempotencyRecord) {
	ttl := rec.ExpiresAt.Sub(a.now())
	if a.cfg.IdempotencyCache == nil || rec.Status == 0 || ttl <= 0 {
		return
	}
	if err := a.cfg.IdempotencyCache.PutIdempotency(context.WithoutCancel(r.Context()), rec, ttl); err != nil {
		a.cacheFailed(r, err)
	}
}

// cacheFailed logs a cache failure, at most once per cacheLogEvery.
func (a *api) cacheFailed(r *http.Request, err error) {
	if n, ok := a.cacheLog.due(a.cfg.Clock.Now(), cacheLogEvery); ok {
		a.log.WarnContext(r.Context(), "idempotency cache failed; using the database",
			"request_id", requestID(r.Context()), "failures", n, "err", err)
	}
}
