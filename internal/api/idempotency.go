package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Idempotency-Key handling follows Stripe: the same key with the same request
// replays the first response byte for byte; with a different request it is
// refused; while the first request runs, a duplicate is told to wait.
const (
	maxIdempotencyKeyLen = 255
	idempotencyTTL       = 24 * time.Hour
	// idempotencyLock is how long a request may hold its key. A record still
	// in flight after it was abandoned by a crash, and may be taken over.
	idempotencyLock = 5 * time.Minute
)

// replayHeaders are the response headers saved and replayed with the body.
var replayHeaders = []string{"Content-Type", "Location", "WWW-Authenticate"}

var (
	errKeyInFlight = esign.Errorf(esign.KindConflict, esign.CodeIdempotencyInFlight,
		"a request with this Idempotency-Key is still being processed; retry shortly")
	errKeyReused = esign.Errorf(esign.KindInvalid, esign.CodeIdempotencyMismatch,
		"this Idempotency-Key was already used for a different request; use a new key for a new request")
)

// idempotent runs a mutating request at most once per Idempotency-Key.
func (a *api) idempotent(acc access, kind bodyKind, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.Header.Get("Idempotency-Key")
		if raw == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(raw) > maxIdempotencyKeyLen {
			a.writeError(w, r, esign.Errorf(esign.KindBadRequest, codeInvalidIdemKey, "Idempotency-Key must be at most %d characters", maxIdempotencyKeyLen))
			return
		}
		k, cleanup, err := a.keyFor(r, acc, kind, raw)
		defer cleanup()
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if a.replayCached(w, r, k) {
			return
		}
		claimed, done, err := a.claim(r.Context(), k)
		switch {
		case errors.Is(err, errKeyInFlight):
			w.Header().Set("Retry-After", "1")
			a.writeError(w, r, err)
		case err != nil:
			a.writeError(w, r, err)
		case done != nil:
			a.remember(r, done) // the cache lost it (a restart) or never had it
			a.replay(w, r, k, done)
		default:
			a.runOnce(w, r, k, claimed, next)
		}
	})
}

// claim takes the key for this request. It returns the claimed record, or
// the finished record to replay, or why the request may not run now.
func (a *api) claim(ctx context.Context, k *idemKey) (claimed, done *esign.IdempotencyRecord, err error) {
	for range 3 {
		claimed = a.newRecord(k)
		err = a.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			return tx.CreateIdempotency(ctx, claimed)
		})
		if !esign.IsKind(err, esign.KindConflict) {
			return claimed, nil, err
		}
		gone := false
		err = a.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			rec, err := tx.IdempotencyByKey(ctx, k.scope, k.key)
			if esign.IsKind(err, esign.KindNotFound) {
				gone = true // the other request failed and let go; try again
				return nil
			}
			if err != nil {
				return err
			}
			claimed, done, err = a.resolve(ctx, tx, k, rec)
			return err
		})
		if !gone {
			return claimed, done, err
		}
	}
	return nil, nil, errKeyInFlight
}

// resolve decides what a request meets when its key exists.
func (a *api) resolve(ctx context.Context, tx esign.Tx, k *idemKey, rec *esign.IdempotencyRecord) (claimed, done *esign.IdempotencyRecord, err error) {
	now := a.now()
	switch {
	case !now.Before(rec.ExpiresAt): // expired but not purged yet: the key is free
		if err := tx.DeleteIdempotency(ctx, k.scope, k.key); err != nil {
			return nil, nil, err
		}
		fresh := a.newRecord(k)
		return fresh, nil, tx.CreateIdempotency(ctx, fresh)
	case rec.RequestHash != k.hash:
		return nil, nil, errKeyReused
	case rec.Status != 0:
		return nil, rec, nil
	case now.Before(rec.LockedUntil):
		return nil, nil, errKeyInFlight
	default: // abandoned by a request that crashed: take it over
		rec.LockedUntil = now.Add(idempotencyLock)
		return rec, nil, tx.SaveIdempotency(ctx, rec)
	}
}

func (a *api) now() time.Time { return a.cfg.Clock.Now().UTC().Truncate(time.Microsecond) }

func (a *api) newRecord(k *idemKey) *esign.IdempotencyRecord {
	now := a.now()
	return &esign.IdempotencyRecord{
		Scope: k.scope, Key: k.key, RequestHash: k.hash, Header: []byte("{}"), Body: []byte{},
		CreatedAt: now, ExpiresAt: now.Add(idempotencyTTL), LockedUntil: now.Add(idempotencyLock),
	}
}

// runOnce runs the request that holds the key, saves its response, and then
// sends it.
func (a *api) runOnce(w http.ResponseWriter, r *http.Request, k *idemKey, claimed *esign.IdempotencyRecord, next http.Handler) {
	buf := &bufferedWriter{header: w.Header()}
	finished := false
	defer func() {
		if !finished { // a panic: let a retry run again
			a.release(r, k)
		}
	}()
	next.ServeHTTP(buf, r)
	finished = true
	a.settle(r, k, claimed, buf)
	buf.sendTo(w)
}

// settle saves the response for replay. A 5xx answer means the domain
// rolled back, and a 429 that it did not run, so a retry must run again:
// those release the key instead.
func (a *api) settle(r *http.Request, k *idemKey, rec *esign.IdempotencyRecord, buf *bufferedWriter) {
	status := buf.statusOr200()
	if status >= 500 || status == http.StatusTooManyRequests {
		a.release(r, k)
		return
	}
	saved := map[string]string{}
	for _, name := range replayHeaders {
		if v := buf.header.Get(name); v != "" {
			saved[name] = v
		}
	}
	hdr, err := json.Marshal(saved)
	if err == nil {
		rec.Status, rec.Header, rec.LockedUntil = status, hdr, a.now()
		rec.Body, err = k.seal(buf.body.Bytes())
	}
	if err == nil {
		err = a.store.InTx(context.WithoutCancel(r.Context()), func(ctx context.Context, tx esign.Tx) error {
			return tx.SaveIdempotency(ctx, rec)
		})
	}
	if err != nil {
		// The request did run; its key stays locked until idempotencyLock
		// passes, after which a retry runs it again.
		a.log.ErrorContext(r.Context(), "save idempotent response", "request_id", requestID(r.Context()), "err", err)
		return
	}
	a.remember(r, rec)
}

// release deletes the key's record so that a retry runs the request again.
func (a *api) release(r *http.Request, k *idemKey) {
	err := a.store.InTx(context.WithoutCancel(r.Context()), func(ctx context.Context, tx esign.Tx) error {
		return tx.DeleteIdempotency(ctx, k.scope, k.key)
	})
	if err != nil {
		a.log.ErrorContext(r.Context(), "release idempotency key", "request_id", requestID(r.Context()), "err", err)
	}
}

// replay sends a finished request's saved response again.
func (a *api) replay(w http.ResponseWriter, r *http.Request, k *idemKey, rec *esign.IdempotencyRecord) {
	saved, body, err := k.unpack(rec)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeReplay(w, rec.Status, saved, body)
}

// unpack reads a finished record's saved headers and decrypts its body.
func (k *idemKey) unpack(rec *esign.IdempotencyRecord) (saved map[string]string, body []byte, err error) {
	if err := json.Unmarshal(rec.Header, &saved); err != nil {
		return nil, nil, fmt.Errorf("idempotent response: headers: %w", err)
	}
	body, err = k.open(rec.Body)
	return saved, body, err
}

// writeReplay sends a saved response.
func writeReplay(w http.ResponseWriter, status int, saved map[string]string, body []byte) {
	h := w.Header()
	for name, v := range saved {
		h.Set(name, v)
	}
	h.Set("Idempotent-Replayed", "true")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// bufferedWriter holds a response until it has been saved. Its header is
// the real response's header.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 && status >= 200 {
		b.status = status
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

func (b *bufferedWriter) sendTo(w http.ResponseWriter) {
	w.WriteHeader(b.statusOr200())
	_, _ = w.Write(b.body.Bytes())
}
