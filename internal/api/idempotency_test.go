package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// step is one request of an idempotency scenario and what it must get.
type step struct {
	q        req
	status   int
	code     string
	replayed bool
	sameAs   int // 1-based index of an earlier step whose body this one repeats exactly; 0: none
}

func TestIdempotencyScenarios(t *testing.T) {
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	create := func(token, name, k string) req {
		return req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": name}, header: key(k)}
	}
	tests := []struct {
		name  string
		steps func(alice, bob string) []step
		// envelopes is how many envelopes alice has at the end.
		envelopes int
	}{
		{"replay byte for byte", func(alice, _ string) []step {
			return []step{
				{q: create(alice, "Lease", "k1"), status: 201},
				{q: create(alice, "Lease", "k1"), status: 201, replayed: true, sameAs: 1},
				{q: create(alice, "Lease", "k1"), status: 201, replayed: true, sameAs: 1},
			}
		}, 1},
		{"different body", func(alice, _ string) []step {
			return []step{
				{q: create(alice, "Lease", "k1"), status: 201},
				{q: create(alice, "Other", "k1"), status: 422, code: esign.CodeIdempotencyMismatch},
			}
		}, 1},
		{"different route", func(alice, _ string) []step {
			return []step{
				{q: create(alice, "Lease", "k1"), status: 201},
				{q: req{method: "POST", path: "/api/v1/api-keys", token: alice, body: map[string]string{"name": "Lease"}, header: key("k1")}, status: 422, code: esign.CodeIdempotencyMismatch},
			}
		}, 1},
		{"errors are replayed too", func(alice, _ string) []step {
			return []step{
				{q: create(alice, " ", "k1"), status: 422, code: esign.CodeValidation},
				{q: create(alice, " ", "k1"), status: 422, code: esign.CodeValidation, replayed: true, sameAs: 1},
			}
		}, 0},
		{"keys are per user", func(alice, bob string) []step {
			return []step{
				{q: create(alice, "Lease", "k1"), status: 201},
				{q: create(bob, "Lease", "k1"), status: 201},
			}
		}, 1},
		{"no key, no replay", func(alice, _ string) []step {
			return []step{
				{q: create(alice, "Lease", ""), status: 201},
				{q: create(alice, "Lease", ""), status: 201},
			}
		}, 2},
		{"key too long", func(alice, _ string) []step {
			return []step{
				{q: create(alice, "Lease", strings.Repeat("k", 256)), status: 400, code: codeInvalidIdemKey},
				{q: create(alice, "Lease", strings.Repeat("k", 255)), status: 201},
			}
		}, 1},
		{"public routes", func(_, _ string) []step {
			login := req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "alice@example.com", "password": "wrong password"}, header: key("k1")}
			return []step{
				{q: login, status: 401, code: esign.CodeInvalidCredentials},
				{q: login, status: 401, code: esign.CodeInvalidCredentials, replayed: true, sameAs: 1},
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			alice, bob := e.register("alice@example.com"), e.register("bob@example.com")
			var bodies [][]byte
			for i, s := range tt.steps(alice, bob) {
				w := e.expect(e.do(s.q), s.status, s.code)
				bodies = append(bodies, w.Body.Bytes())
				if got := w.Header().Get("Idempotent-Replayed") == "true"; got != s.replayed {
					t.Errorf("step %d: replayed = %v, want %v", i+1, got, s.replayed)
				}
				if s.sameAs > 0 && !bytes.Equal(w.Body.Bytes(), bodies[s.sameAs-1]) {
					t.Errorf("step %d: body differs from step %d:\n%s\n%s", i+1, s.sameAs, w.Body, bodies[s.sameAs-1])
				}
			}
			list := decode[envelopeListResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes", token: alice}))
			if len(list.Items) != tt.envelopes {
				t.Errorf("alice has %d envelopes, want %d", len(list.Items), tt.envelopes)
			}
		})
	}
}

// TestIdempotencyReplayHeaders: a replay carries the saved headers.
func TestIdempotencyReplayHeaders(t *testing.T) {
	e := newEnv(t)
	token := e.register("alice@example.com")
	q := req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": "Lease"}, header: map[string]string{"Idempotency-Key": "k"}}
	first, again := e.do(q), e.do(q)
	for _, h := range []string{"Content-Type", "Location", "Content-Length"} {
		if first.Header().Get(h) == "" || first.Header().Get(h) != again.Header().Get(h) {
			t.Errorf("%s: first %q, replay %q", h, first.Header().Get(h), again.Header().Get(h))
		}
	}
}

// gated is a handler that counts its runs, answers with the next status of
// a script, and waits for its gate when it has one.
type gated struct {
	runs     atomic.Int32
	statuses []int
	started  chan struct{}
	gate     chan struct{}
}

func (g *gated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(g.runs.Add(1))
	if g.started != nil {
		g.started <- struct{}{}
	}
	if g.gate != nil {
		<-g.gate
	}
	status := g.statuses[min(n, len(g.statuses))-1]
	if status == 0 {
		panic("handler crashed")
	}
	writeJSON(w, status, map[string]int{"run": n})
}

// keyed wraps a test handler in the same middleware a public POST route gets.
func keyed(e *env, h http.Handler) http.Handler {
	return e.a.recoverPanics(e.a.requestMeta(e.a.limitBody(jsonBody, e.a.idempotent(public, jsonBody, h))))
}

func postKeyed(h http.Handler, key, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/test", strings.NewReader(body))
	r.Header.Set("Idempotency-Key", key)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestIdempotencyOutcomes: which answers are saved for replay, and which
// release the key so that a retry runs the request again.
func TestIdempotencyOutcomes(t *testing.T) {
	tests := []struct {
		name  string
		first int // 0: the handler panics
		runs  int // after three identical requests
	}{
		{"created is saved", 201, 1},
		{"ok is saved", 200, 1},
		{"client error is saved", 422, 1},
		{"conflict is saved", 409, 1},
		{"server error is not saved", 500, 2},
		{"unavailable is not saved", 503, 2},
		{"rate limited is not saved", 429, 2},
		{"panic is not saved", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			g := &gated{statuses: []int{tt.first, 201}}
			h := keyed(e, g)
			for range 3 {
				postKeyed(h, "k", `{"a":1}`)
			}
			if got := int(g.runs.Load()); got != tt.runs {
				t.Errorf("handler ran %d times, want %d", got, tt.runs)
			}
		})
	}
}

func TestIdempotencyInFlight(t *testing.T) {
	e := newEnv(t)
	g := &gated{statuses: []int{201}, started: make(chan struct{}, 1), gate: make(chan struct{})}
	h := keyed(e, g)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- postKeyed(h, "k", `{"a":1}`) }()
	<-g.started

	w := e.expect(postKeyed(h, "k", `{"a":1}`), 409, esign.CodeIdempotencyInFlight)
	if w.Header().Get("Retry-After") == "" {
		t.Error("in-flight answer lacks Retry-After")
	}
	e.expect(postKeyed(h, "k", `{"a":2}`), 422, esign.CodeIdempotencyMismatch)

	close(g.gate)
	first := e.expect(<-done, 201, "")
	again := e.expect(postKeyed(h, "k", `{"a":1}`), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || g.runs.Load() != 1 {
		t.Errorf("after the first finished: replay %s of %s, %d runs", again.Body, first.Body, g.runs.Load())
	}
}

// TestIdempotencyTakeover: a key whose request crashed without letting go
// is free again once its lock expires.
func TestIdempotencyTakeover(t *testing.T) {
	e := newEnv(t)
	g := &gated{statuses: []int{201}, started: make(chan struct{}, 2), gate: make(chan struct{})}
	h := keyed(e, g)
	done := make(chan *httptest.ResponseRecorder, 2)
	go func() { done <- postKeyed(h, "k", `{}`) }()
	<-g.started // the "crashed" request holds the key and never finishes in time

	e.clock.Advance(idempotencyLock - time.Second)
	e.expect(postKeyed(h, "k", `{}`), 409, esign.CodeIdempotencyInFlight)
	e.clock.Advance(2 * time.Second)
	go func() { done <- postKeyed(h, "k", `{}`) }()
	<-g.started
	close(g.gate)
	<-done
	<-done
	if g.runs.Load() != 2 {
		t.Errorf("handler ran %d times, want 2 (the takeover)", g.runs.Load())
	}
}

// TestIdempotencyExpiry: keys live 24 hours.
func TestIdempotencyExpiry(t *testing.T) {
	e := newEnv(t)
	g := &gated{statuses: []int{201}}
	h := keyed(e, g)
	postKeyed(h, "k", `{"a":1}`)
	e.clock.Advance(idempotencyTTL - time.Second)
	e.expect(postKeyed(h, "k", `{"a":2}`), 422, esign.CodeIdempotencyMismatch)
	e.clock.Advance(2 * time.Second)
	e.expect(postKeyed(h, "k", `{"a":2}`), 201, "")
	if g.runs.Load() != 2 {
		t.Errorf("handler ran %d times, want 2", g.runs.Load())
	}
}

// TestIdempotencyConcurrentDuplicates sends the same keyed request 20 times
// at once: exactly one runs; the others are told it is in flight, or get
// its replay.
func TestIdempotencyConcurrentDuplicates(t *testing.T) {
	e := newEnv(t)
	token := e.register("alice@example.com")
	q := req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": "Lease"}, header: map[string]string{"Idempotency-Key": "same"}}
	const n = 20
	results := make([]*httptest.ResponseRecorder, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Add(1)
		r := e.newRequest(q)
		go func() {
			defer wg.Done()
			start.Wait()
			results[i] = httptest.NewRecorder()
			e.h.ServeHTTP(results[i], r)
		}()
	}
	start.Done()
	wg.Wait()
	var created []byte
	executed := 0
	for _, w := range results {
		switch {
		case w.Code == 409:
			e.expect(w, 409, esign.CodeIdempotencyInFlight)
		case w.Code == 201 && w.Header().Get("Idempotent-Replayed") == "":
			executed++
			created = w.Body.Bytes()
		case w.Code != 201:
			t.Fatalf("unexpected answer %d: %s", w.Code, w.Body)
		}
	}
	if executed != 1 {
		t.Fatalf("%d requests executed, want exactly 1", executed)
	}
	for _, w := range results {
		if w.Code == 201 && !bytes.Equal(w.Body.Bytes(), created) {
			t.Errorf("a replay differs from the original:\n%s\n%s", w.Body, created)
		}
	}
	list := decode[envelopeListResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes", token: token}))
	if len(list.Items) != 1 {
		t.Errorf("%d envelopes created, want 1", len(list.Items))
	}
}

// TestIdempotencyStoresNoSecrets: a saved response holds fresh tokens, and
// the request a password; neither may be readable in the database.
func TestIdempotencyStoresNoSecrets(t *testing.T) {
	e := newEnv(t)
	q := req{method: "POST", path: "/api/v1/auth/register", header: map[string]string{"Idempotency-Key": "reg-1"},
		body: `{"email":"alice@example.com","password":"correct horse battery","name":"A","organization":"B"}`}
	first := e.expect(e.do(q), 201, "")
	again := e.expect(e.do(q), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) {
		t.Fatal("register was not replayed")
	}
	r := e.newRequest(q)
	r = r.WithContext(esign.WithRequestMeta(r.Context(), esign.RequestMeta{IP: "192.0.2.10"}))
	k, cleanup, err := e.a.keyFor(r, public, jsonBody, "reg-1")
	defer cleanup()
	if err != nil {
		t.Fatal(err)
	}
	var rec *esign.IdempotencyRecord
	err = e.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		rec, err = tx.IdempotencyByKey(ctx, k.scope, k.key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := decode[registerResponse](t, first)
	for _, secret := range []string{reg.AccessToken, reg.RefreshToken, "reg-1", "correct horse"} {
		if bytes.Contains(rec.Body, []byte(secret)) || bytes.Contains(rec.Header, []byte(secret)) || rec.Key == secret || strings.Contains(rec.RequestHash, secret) {
			t.Errorf("the stored record reveals %q", secret)
		}
	}
}

func TestIdempotentUpload(t *testing.T) {
	tmp := t.TempDir()
	e := newEnv(t, func(c *Config) { c.TempDir = tmp })
	token := e.register("alice@example.com")
	envID, _ := e.draft(token)
	up := pdfUpload("file", "extra.pdf", testPDF)
	q := req{method: "POST", path: "/api/v1/envelopes/" + envID + "/documents", token: token, body: up, header: map[string]string{"Idempotency-Key": "up-1"}}
	first := e.expect(e.do(q), 201, "")
	again := e.expect(e.do(q), 201, "")
	if !bytes.Equal(first.Body.Bytes(), again.Body.Bytes()) || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatal("upload was not replayed")
	}
	q.body = pdfUpload("file", "other.pdf", testPDF)
	e.expect(e.do(q), 422, esign.CodeIdempotencyMismatch)
	d := decode[envelopeDetailResponse](t, e.do(req{method: "GET", path: "/api/v1/envelopes/" + envID, token: token}))
	if len(d.Documents) != 2 {
		t.Errorf("%d documents, want 2", len(d.Documents))
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("spooled uploads left behind: %v", left)
	}
}
