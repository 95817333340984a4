package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// viewCounter counts finished read-only transactions, so a test knows when
// a waiting request has read its envelope and waits.
type viewCounter struct {
	esign.Store
	views atomic.Int64
}

func (v *viewCounter) View(ctx context.Context, fn func(context.Context, esign.Tx) error) error {
	defer v.views.Add(1)
	return v.Store.View(ctx, fn)
}

// waitEnv is an env whose waits are woken by the hub alone: rechecks are
// an hour apart unless configured otherwise.
type waitEnv struct {
	*env
	vc     *viewCounter
	sender string
}

func newWaitEnv(t *testing.T, configure ...func(*Config)) *waitEnv {
	e := newEnv(t, append([]func(*Config){func(c *Config) { c.WaitRecheck = time.Hour }}, configure...)...)
	vc := &viewCounter{Store: e.svc.Store}
	e.svc.Store = vc
	return &waitEnv{env: e, vc: vc, sender: e.register("olive@example.com")}
}

// pendingGet is a GET running in the background.
type pendingGet struct {
	done   chan *httptest.ResponseRecorder
	cancel context.CancelFunc
}

// get reads the envelope with the given headers.
func (e *waitEnv) get(id string, header map[string]string) *httptest.ResponseRecorder {
	return e.do(req{method: "GET", path: "/api/v1/envelopes/" + id, token: e.sender, header: header})
}

// waitOn starts a GET of the envelope that waits up to wait seconds while
// it matches etag, and returns once the request has read the envelope
// (authentication and the read are its two views) and waits: n requests
// wait then.
func (e *waitEnv) waitOn(id, etag string, wait, n int) *pendingGet {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := e.newRequest(req{method: "GET", path: "/api/v1/envelopes/" + id, token: e.sender,
		header: map[string]string{"If-None-Match": etag, "Prefer": "wait=" + strconv.Itoa(wait)}}).WithContext(ctx)
	p := &pendingGet{done: make(chan *httptest.ResponseRecorder, 1), cancel: cancel}
	before := e.vc.views.Load()
	go func() {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		p.done <- w
	}()
	eventually(e.t, "the request waits", func() bool { return e.a.waiting.Load() == int64(n) && e.vc.views.Load() >= before+2 })
	return p
}

// eventually waits for cond, which other goroutines make true; it fails
// the test if that takes ten seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10 s", what)
		}
	}
}

// etag reads the envelope and returns its ETag.
func (e *waitEnv) etag(id string) string {
	e.t.Helper()
	w := e.expect(e.get(id, nil), 200, "")
	tag := w.Header().Get("ETag")
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		e.t.Fatalf("ETag %q is not a strong entity tag", tag)
	}
	return tag
}

// sentToAna sends an envelope to Ana and returns its id and her link.
func (e *waitEnv) sentToAna() (id string, sig fieldResponse, link string) {
	e.t.Helper()
	id, _, _, sig = e.signerDraft(e.sender)
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + id + "/send", token: e.sender}), 200, "")
	e.drain()
	link, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return id, sig, link
}

// wantAnswer checks a finished wait's status and Preference-Applied.
func wantAnswer(t *testing.T, w *httptest.ResponseRecorder, status int, applied string) {
	t.Helper()
	if w.Code != status || w.Header().Get("Preference-Applied") != applied {
		t.Fatalf("status %d, Preference-Applied %q; want %d, %q: %s", w.Code, w.Header().Get("Preference-Applied"), status, applied, w.Body)
	}
	if w.Header().Get("ETag") == "" {
		t.Error("no ETag")
	}
	if status == http.StatusNotModified && w.Body.Len() > 0 {
		t.Errorf("a 304 with a body: %s", w.Body)
	}
}

// TestEnvelopeConditionalGet: every answer has an ETag; If-None-Match
// naming it (among others, weak or not, or "*") is 304 at once without
// Prefer; anything else, or a changed envelope, is 200.
func TestEnvelopeConditionalGet(t *testing.T) {
	e := newWaitEnv(t)
	id, _ := e.draft(e.sender)
	tag := e.etag(id)
	if again := e.etag(id); again != tag {
		t.Errorf("the ETag changed without a change: %s, then %s", tag, again)
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		wantAnswer(t, e.get(id, map[string]string{"If-None-Match": inm}), 304, "")
	}
	for _, inm := range []string{`"other"`, strings.Trim(tag, `"`), ""} {
		w := e.expect(e.get(id, map[string]string{"If-None-Match": inm}), 200, "")
		if decode[envelopeDetailResponse](t, w).ID != id {
			t.Errorf("If-None-Match %q: %s", inm, w.Body)
		}
	}
	// A wait for another tag answers at once, without Preference-Applied.
	wantAnswer(t, e.get(id, map[string]string{"If-None-Match": `"other"`, "Prefer": "wait=30"}), 200, "")
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + id + "/recipients", token: e.sender, body: map[string]any{"name": "Ana", "email": "ana@example.com"}}), 201, "")
	w := e.expect(e.get(id, map[string]string{"If-None-Match": tag}), 200, "")
	if w.Header().Get("ETag") == tag {
		t.Error("the ETag did not change with a new recipient")
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/env_nope", token: e.sender, header: map[string]string{"If-None-Match": tag, "Prefer": "wait=5"}}), 404, esign.CodeNotFound)
}

// TestWaitWokenBySigningAndSealing: a sender's waiting GET answers when
// the signer completes, and again when the seal is ready; the ETag
// changes with result_status.
func TestWaitWokenBySigningAndSealing(t *testing.T) {
	e := newWaitEnv(t)
	id, sig, link := e.sentToAna()
	p := e.waitOn(id, e.etag(id), 30, 1)
	e.expect(e.do(req{method: "POST", path: "/api/v1/signing/" + link + "/complete", body: batchBody(map[string]any{sig.ID: typedAna})}), 200, "")
	w := <-p.done
	wantAnswer(t, w, 200, "wait=30")
	if d := decode[envelopeDetailResponse](t, w); d.Status != "completed" || d.ResultStatus != "pending" {
		t.Fatalf("after signing: status %s, result %s", d.Status, d.ResultStatus)
	}

	pending := w.Header().Get("ETag")
	p = e.waitOn(id, pending, 30, 1)
	e.drain() // seals first: the completed emails, which change the envelope too, come after
	w = <-p.done
	wantAnswer(t, w, 200, "wait=30")
	if d := decode[envelopeDetailResponse](t, w); d.ResultStatus != "ready" || w.Header().Get("ETag") == pending {
		t.Errorf("after sealing: result %s, ETag %s (was %s)", d.ResultStatus, w.Header().Get("ETag"), pending)
	}
	if e.a.waiting.Load() != 0 || e.changes.Watchers() != 0 {
		t.Errorf("%d waiting, %d watches after the answers", e.a.waiting.Load(), e.changes.Watchers())
	}
}

// TestETagFollowsResultStatus: the tag is of the whole body, so
// result_status alone changes it.
func TestETagFollowsResultStatus(t *testing.T) {
	d := envelopeDetailResponse{envelopeResponse: envelopeResponse{ID: "env_1", Status: "completed", ResultStatus: "pending"}}
	a, err := tagged(d)
	if err != nil {
		t.Fatal(err)
	}
	d.ResultStatus = "ready"
	b, _ := tagged(d)
	if a.etag == b.etag {
		t.Errorf("the same ETag %s for result_status pending and ready", a.etag)
	}
}

// TestWaitTimesOut: nothing changes, so after the wait (and rechecks that
// find nothing new) the answer is 304 with the wait applied.
func TestWaitTimesOut(t *testing.T) {
	e := newWaitEnv(t, func(c *Config) { c.WaitRecheck = 100 * time.Millisecond })
	id, _ := e.draft(e.sender)
	tag := e.etag(id)
	w := <-e.waitOn(id, tag, 1, 1).done
	wantAnswer(t, w, 304, "wait=1")
	if w.Header().Get("ETag") != tag {
		t.Errorf("ETag %s, want %s", w.Header().Get("ETag"), tag)
	}
}

// TestWaitSeesOtherProcesses: a change committed by another process (a
// Service whose store tells this process's hub nothing) is found by the
// recheck.
func TestWaitSeesOtherProcesses(t *testing.T) {
	e := newWaitEnv(t, func(c *Config) { c.WaitRecheck = 50 * time.Millisecond })
	id, _, _ := e.sentToAna()
	other := &esign.Service{Store: e.db, Blobs: e.svc.Blobs, Clock: e.clock, Log: e.svc.Log, Config: e.svc.Config, Mailer: e.mail}
	sender, err := other.Authenticate(context.Background(), e.sender)
	if err != nil {
		t.Fatal(err)
	}
	p := e.waitOn(id, e.etag(id), 30, 1)
	if _, err := other.Void(context.Background(), sender, id, "changed our minds"); err != nil {
		t.Fatal(err)
	}
	w := <-p.done
	wantAnswer(t, w, 200, "wait=30")
	if d := decode[envelopeDetailResponse](t, w); d.Status != "voided" {
		t.Errorf("status %s", d.Status)
	}
}

// TestWaitEndsWithTheClient: a client that goes away frees its place and
// its watch.
func TestWaitEndsWithTheClient(t *testing.T) {
	e := newWaitEnv(t)
	id, _ := e.draft(e.sender)
	p := e.waitOn(id, e.etag(id), 60, 1)
	p.cancel()
	<-p.done
	if e.a.waiting.Load() != 0 || e.changes.Watchers() != 0 {
		t.Errorf("%d waiting, %d watches after the client left", e.a.waiting.Load(), e.changes.Watchers())
	}
}

// TestWaitEndsOnShutdown: closing the hub (the server does on shutdown)
// answers every waiter at once, 304 without Preference-Applied since the
// wait was cut short; waits asked for later answer at once too.
func TestWaitEndsOnShutdown(t *testing.T) {
	e := newWaitEnv(t)
	id, _ := e.draft(e.sender)
	tag := e.etag(id)
	p, q := e.waitOn(id, tag, 60, 1), e.waitOn(id, tag, 60, 2)
	e.changes.Close()
	wantAnswer(t, <-p.done, 304, "")
	wantAnswer(t, <-q.done, 304, "")
	wantAnswer(t, e.get(id, map[string]string{"If-None-Match": tag, "Prefer": "wait=60"}), 304, "")
}

// TestWaitersBounded: beyond MaxWaiters a waiting request answers at once,
// without Preference-Applied.
func TestWaitersBounded(t *testing.T) {
	e := newWaitEnv(t, func(c *Config) { c.MaxWaiters = 1 })
	id, _ := e.draft(e.sender)
	tag := e.etag(id)
	p := e.waitOn(id, tag, 60, 1)
	wantAnswer(t, e.get(id, map[string]string{"If-None-Match": tag, "Prefer": "wait=60"}), 304, "")
	p.cancel()
	<-p.done
}

// TestWaitOutlivesWriteTimeout: over a real connection whose server has a
// WriteTimeout shorter than the wait, the answer still arrives.
func TestWaitOutlivesWriteTimeout(t *testing.T) {
	e := newWaitEnv(t)
	id, _ := e.draft(e.sender)
	tag := e.etag(id)
	srv := httptest.NewUnstartedServer(e.h)
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	r, _ := http.NewRequest("GET", srv.URL+"/api/v1/envelopes/"+id, nil)
	r.Header.Set("Authorization", "Bearer "+e.sender)
	r.Header.Set("If-None-Match", tag)
	r.Header.Set("Prefer", "wait=1")
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatalf("the waiting request failed: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 304 || res.Header.Get("Preference-Applied") != "wait=1" {
		t.Errorf("status %d, Preference-Applied %q", res.StatusCode, res.Header.Get("Preference-Applied"))
	}
}

// TestPreferWait: RFC 7240 parsing; unknown preferences and malformed
// waits are ignored, the first wait counts, and the cap applies.
func TestPreferWait(t *testing.T) {
	for _, c := range []struct {
		prefer []string
		want   time.Duration
	}{
		{[]string{"wait=10"}, 10 * time.Second},
		{[]string{"respond-async, wait=5"}, 5 * time.Second},
		{[]string{"WAIT = 7"}, 7 * time.Second},
		{[]string{`wait="3"`}, 3 * time.Second},
		{[]string{"wait=2; foo=bar"}, 2 * time.Second},
		{[]string{"wait=1000"}, MaxWait},
		{[]string{"return=minimal", "wait=4", "wait=9"}, 4 * time.Second},
		{[]string{"wait=-1"}, 0},
		{[]string{"wait=soon"}, 0},
		{[]string{"wait"}, 0},
		{[]string{"waiting=5"}, 0},
		{nil, 0},
	} {
		h := http.Header{}
		for _, v := range c.prefer {
			h.Add("Prefer", v)
		}
		if got := preferredWait(h); got != c.want {
			t.Errorf("Prefer %q: wait %v, want %v", c.prefer, got, c.want)
		}
	}
}

// TestEntityTags: If-None-Match lists, weak tags and malformed input.
func TestEntityTags(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   string
		star   bool
	}{
		{[]string{`"a"`}, `"a"`, false},
		{[]string{`W/"a", "b,c"`, `"d"`}, `"a" "b,c" "d"`, false},
		{[]string{`*`}, ``, true},
		{[]string{`"a", junk, "b"`}, `"a"`, false},
		{[]string{`"unterminated`}, ``, false},
		{[]string{`unquoted`}, ``, false},
	} {
		tags, star := entityTags(c.values)
		if got := strings.Join(tags, " "); got != c.want || star != c.star {
			t.Errorf("If-None-Match %q: %q %v, want %q %v", c.values, got, star, c.want, c.star)
		}
	}
}

// BenchmarkTagged: what the ETag adds to a GET of an envelope with three
// recipients and three fields (encoding it is needed anyway; the hash is
// the addition):
//
//	go test -run '^$' -bench BenchmarkTagged ./internal/api
func BenchmarkTagged(b *testing.B) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	d := envelopeDetailResponse{envelopeResponse: envelopeResponse{ID: "env_06ey5h1ag0msnngk95j2y4c15m", Name: "Lease", Status: "completed", ResultStatus: "ready", CreatedAt: now, UpdatedAt: now}}
	for i := range 3 {
		d.Recipients = append(d.Recipients, recipientResponse{ID: "rcp_06ey5h1ag0msnngk95j2y4c15" + strconv.Itoa(i), Name: "Signer", Email: "signer@example.com", Role: "signer", Status: "completed", SentAt: &now, CompletedAt: &now})
		d.Fields = append(d.Fields, fieldResponse{ID: "fld_06ey5h1ag0msnngk95j2y4c15" + strconv.Itoa(i), Type: "signature", Page: 1, X: 72, Y: 600, Width: 200, Height: 50, Required: true, Filled: true, FilledAt: &now})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tagged(d); err != nil {
			b.Fatal(err)
		}
	}
}
