package api

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// memCache is an IdempotencyCache in memory that behaves like the Redis
// one: it copies records in and out, forgets them after their TTL (on the
// test's clock), and fails every call while broken.
type memCache struct {
	clock   esign.Clock
	mu      sync.Mutex
	entries map[string]memEntry
	puts    atomic.Int32
	broken  atomic.Bool
}

type memEntry struct {
	rec     esign.IdempotencyRecord
	expires time.Time
	ttl     time.Duration
}

func newMemCache(clock esign.Clock) *memCache {
	return &memCache{clock: clock, entries: map[string]memEntry{}}
}

var errCacheDown = errors.New("cache: connection refused")

func (c *memCache) GetIdempotency(_ context.Context, scope, key string) (*esign.IdempotencyRecord, error) {
	if c.broken.Load() {
		return nil, errCacheDown
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[scope+"\x00"+key]
	if !ok || !c.clock.Now().Before(e.expires) {
		return nil, esign.Errorf(esign.KindNotFound, esign.CodeNotFound, "not cached")
	}
	rec := e.rec
	rec.Header, rec.Body = bytes.Clone(rec.Header), bytes.Clone(rec.Body)
	return &rec, nil
}

func (c *memCache) PutIdempotency(_ context.Context, rec *esign.IdempotencyRecord, ttl time.Duration) error {
	c.puts.Add(1)
	if c.broken.Load() {
		return errCacheDown
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *rec
	cp.Header, cp.Body = bytes.Clone(rec.Header), bytes.Clone(rec.Body)
	c.entries[rec.Scope+"\x00"+rec.Key] = memEntry{rec: cp, expires: c.clock.Now().Add(ttl), ttl: ttl}
	return nil
}

func (c *memCache) only(t *testing.T) memEntry {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) != 1 {
		t.Fatalf("the cache holds %d entries, want 1", len(c.entries))
	}
	for _, e := range c.entries {
		return e
	}
	panic("unreachable")
}

func (c *memCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *memCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// countingStore counts the transactions the API opens for idempotency.
type countingStore struct {
	esign.Store
	calls atomic.Int32
}

func (s *countingStore) InTx(ctx context.Context, fn func(context.Context, esign.Tx) error) error {
	s.calls.Add(1)
	return s.Store.InTx(ctx, fn)
}

func (s *countingStore) View(ctx context.Context, fn func(context.Context, esign.Tx) error) error {
	s.calls.Add(1)
	return s.Store.View(ctx, fn)
}

// cachedEnv is newEnv whose API has an idempotency cache and counts its
// store calls.
func cachedEnv(t *testing.T) (*env, *memCache, *countingStore) {
	t.Helper()
	e := newEnv(t)
	cache := newMemCache(e.clock)
	store := &countingStore{Store: e.db}
	cfg := e.a.cfg
	cfg.IdempotencyCache = cache
	e.a = newAPI(cfg, e.svc, store, e.a.log)
	e.h = e.a.handler()
	return e, cache, store
}

func keyedCreate(token, name, key string) req {
	return req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": name},
		header: map[string]string{"Idempotency-Key": key}}
}

// purgeIdempotency deletes every idempotency record from the database.
func (e *env) purgeIdempotency() {
	e.t.Helper()
	err := e.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.PurgeIdempotency(ctx, e.clock.Now().Add(48*time.Hour))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestIdempotencyCacheReplay: a finished response is cached for as long as
// the database keeps it, and a duplicate is replayed from the cache without
// the database, even when the database no longer has it.
func TestIdempotencyCacheReplay(t *testing.T) {
	e, cache, store := cachedEnv(t)
	alice := e.register("alice@example.com")
	first := e.expect(e.do(keyedCreate(alice, "Lease", "k1")), 201, "")
	if got := cache.only(t).ttl; got != idempotencyTTL {
		t.Errorf("cached for %v, want the record's %v", got, idempotencyTTL)
	}

	store.calls.Store(0)
	again := e.expect(e.do(keyedCreate(alice, "Lease", "k1")), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || again.Header().Get("Idempotent-Replayed") != "true" ||
		again.Header().Get("Location") != first.Header().Get("Location") {
		t.Fatalf("not replayed byte for byte:\n%s\n%s", again.Body, first.Body)
	}
	if n := store.calls.Load(); n != 0 {
		t.Errorf("the replay opened %d idempotency transactions, want 0", n)
	}

	e.purgeIdempotency()
	e.expect(e.do(keyedCreate(alice, "Lease", "k1")), 201, "")
	e.expect(e.do(keyedCreate(alice, "Other", "k1")), 422, esign.CodeIdempotencyMismatch)
	if n := store.calls.Load(); n != 0 {
		t.Errorf("cache hits opened %d idempotency transactions, want 0", n)
	}
	list := decode[envelopeListResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes", token: alice}))
	if len(list.Items) != 1 {
		t.Errorf("alice has %d envelopes, want 1", len(list.Items))
	}
}

// TestIdempotencyCacheScope: the cache keeps callers apart as the database
// does.
func TestIdempotencyCacheScope(t *testing.T) {
	e, cache, _ := cachedEnv(t)
	alice, bob := e.register("alice@example.com"), e.register("bob@example.com")
	e.expect(e.do(keyedCreate(alice, "Lease", "k1")), 201, "")
	w := e.expect(e.do(keyedCreate(bob, "Other", "k1")), 201, "")
	if w.Header().Get("Idempotent-Replayed") != "" || cache.len() != 2 {
		t.Errorf("bob's key met alice's: replayed %q, %d entries", w.Header().Get("Idempotent-Replayed"), cache.len())
	}
}

// TestIdempotencyCacheInFlight: a running request is never cached; the
// database alone says it is in flight.
func TestIdempotencyCacheInFlight(t *testing.T) {
	e, cache, store := cachedEnv(t)
	g := &gated{statuses: []int{201}, started: make(chan struct{}, 1), gate: make(chan struct{})}
	h := keyed(e, g)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- postKeyed(h, "k", `{"a":1}`) }()
	<-g.started
	if n := cache.puts.Load(); n != 0 {
		t.Fatalf("%d puts while the request runs", n)
	}
	e.expect(postKeyed(h, "k", `{"a":1}`), 409, esign.CodeIdempotencyInFlight)
	close(g.gate)
	first := e.expect(<-done, 201, "")

	store.calls.Store(0)
	again := e.expect(postKeyed(h, "k", `{"a":1}`), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || store.calls.Load() != 0 || g.runs.Load() != 1 {
		t.Errorf("replay %s of %s with %d store calls and %d runs", again.Body, first.Body, store.calls.Load(), g.runs.Load())
	}
}

// TestIdempotencyCacheOutcomes: only saved responses are cached.
func TestIdempotencyCacheOutcomes(t *testing.T) {
	for _, tt := range []struct {
		status int
		cached bool
	}{{201, true}, {422, true}, {500, false}, {429, false}, {0, false}} {
		e, cache, _ := cachedEnv(t)
		postKeyed(keyed(e, &gated{statuses: []int{tt.status}}), "k", `{}`)
		if got := cache.len() == 1; got != tt.cached {
			t.Errorf("status %d: cached %v, want %v", tt.status, got, tt.cached)
		}
	}
}

// TestIdempotencyCacheRefill: after the cache lost an entry (a restart),
// the database replays it and puts it back.
func TestIdempotencyCacheRefill(t *testing.T) {
	e, cache, store := cachedEnv(t)
	g := &gated{statuses: []int{201}}
	h := keyed(e, g)
	first := postKeyed(h, "k", `{}`)
	cache.clear()
	store.calls.Store(0)
	if w := postKeyed(h, "k", `{}`); !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) || store.calls.Load() == 0 {
		t.Fatalf("replay from the database: %s (%d store calls)", w.Body, store.calls.Load())
	}
	if cache.only(t).ttl != idempotencyTTL {
		t.Errorf("refilled for %v, want %v", cache.only(t).ttl, idempotencyTTL)
	}
	store.calls.Store(0)
	postKeyed(h, "k", `{}`)
	if store.calls.Load() != 0 || g.runs.Load() != 1 {
		t.Errorf("after the refill: %d store calls, %d runs", store.calls.Load(), g.runs.Load())
	}
}

// TestIdempotencyCacheExpiry: a key is free again after 24 hours, cache or not.
func TestIdempotencyCacheExpiry(t *testing.T) {
	e, _, _ := cachedEnv(t)
	g := &gated{statuses: []int{201}}
	h := keyed(e, g)
	postKeyed(h, "k", `{"a":1}`)
	e.clock.Advance(idempotencyTTL - time.Second)
	e.expect(postKeyed(h, "k", `{"a":2}`), 422, esign.CodeIdempotencyMismatch)
	e.clock.Advance(time.Second)
	e.expect(postKeyed(h, "k", `{"a":2}`), 201, "")
	if g.runs.Load() != 2 {
		t.Errorf("handler ran %d times, want 2", g.runs.Load())
	}
}

// TestIdempotencyCacheDown: a failing cache changes no answer; the database
// path runs as without a cache, and the outage is logged once per interval.
func TestIdempotencyCacheDown(t *testing.T) {
	e, cache, _ := cachedEnv(t)
	cache.broken.Store(true)
	g := &gated{statuses: []int{201}}
	h := keyed(e, g)
	first := e.expect(postKeyed(h, "k", `{"a":1}`), 201, "")
	again := e.expect(postKeyed(h, "k", `{"a":1}`), 201, "")
	e.expect(postKeyed(h, "k", `{"a":2}`), 422, esign.CodeIdempotencyMismatch)
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || g.runs.Load() != 1 {
		t.Errorf("replay %s of %s, %d runs", again.Body, first.Body, g.runs.Load())
	}
	if n := strings.Count(e.logs.String(), "idempotency cache failed"); n != 1 {
		t.Errorf("%d log lines for the outage, want 1:\n%s", n, e.logs)
	}
}

// TestIdempotencyCacheDamaged: an entry that does not decrypt (another
// deployment's, or corrupted) is ignored in favour of the database.
func TestIdempotencyCacheDamaged(t *testing.T) {
	e, cache, _ := cachedEnv(t)
	g := &gated{statuses: []int{201}}
	h := keyed(e, g)
	first := postKeyed(h, "k", `{}`)
	cache.mu.Lock()
	for k, entry := range cache.entries {
		entry.rec.Body = []byte("garbage that is long enough to hold a nonce")
		cache.entries[k] = entry
	}
	cache.mu.Unlock()
	again := e.expect(postKeyed(h, "k", `{}`), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || g.runs.Load() != 1 {
		t.Errorf("replay %s of %s, %d runs", again.Body, first.Body, g.runs.Load())
	}
}
