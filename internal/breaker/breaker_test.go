package breaker_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sms"
)

// changes records a Set's state changes.
type changes struct {
	mu  sync.Mutex
	got []string
}

func (c *changes) record(name string, from, to breaker.State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, name+":"+from.String()+">"+to.String())
}

func (c *changes) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.got, " ")
}

// smsServer is a real HTTP server of the Twilio shape that answers 500
// until it is told to recover, and counts the requests that reach it.
type smsServer struct {
	up   atomic.Bool
	hits atomic.Int64
}

func (s *smsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if !s.up.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"code":20500,"message":"Internal Server Error","status":500}`))
		return
	}
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"sid":"SM1","status":"queued"}`))
}

// TestBreakerOpensFailsFastAndRecovers: against a real server answering
// 500, the breaker opens after the threshold; then calls fail fast with a
// retryable 503-kind error without reaching the server; after OpenFor one
// trial goes through (half-open), and its success closes the breaker.
func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	srv := &smsServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := &changes{}
	const openFor = 300 * time.Millisecond
	set := breaker.NewSet(breaker.Settings{Failures: 3, OpenFor: openFor, OnStateChange: c.record})
	b := set.Get("sms")
	s := &breaker.Sender[esign.SMS]{Next: &sms.Twilio{BaseURL: ts.URL, AccountSID: "AC1", AuthToken: "t", From: "+15550001111"}, Breaker: b}
	send := func() error {
		return s.Send(context.Background(), &esign.SMS{ID: "x", To: "+15550002222", Body: "hi"})
	}
	for i := range 3 {
		if err := send(); err == nil || esign.IsKind(err, esign.KindUnavailable) {
			t.Fatalf("call %d: %v, want the server's 500", i+1, err)
		}
	}
	if b.State() != breaker.Open {
		t.Fatalf("state %s after 3 failures, want open", b.State())
	}
	for range 5 {
		err := send()
		var e *esign.Error
		if !errors.As(err, &e) || e.Kind != esign.KindUnavailable || e.Code != esign.CodeDependencyUnavailable || e.RetryAfter != openFor {
			t.Fatalf("call while open: %v, want unavailable with Retry-After %s", err, openFor)
		}
		var perm *esign.PermanentError
		if errors.As(err, &perm) {
			t.Fatal("an open breaker's error must be retryable")
		}
	}
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("server saw %d requests, want 3: an open breaker must not call it", n)
	}
	time.Sleep(openFor + 50*time.Millisecond)
	if b.State() != breaker.HalfOpen {
		t.Fatalf("state %s after OpenFor, want half-open", b.State())
	}
	srv.up.Store(true)
	if err := send(); err != nil {
		t.Fatalf("trial call: %v", err)
	}
	if b.State() != breaker.Closed || srv.hits.Load() != 4 {
		t.Fatalf("state %s, %d requests; want closed after one trial", b.State(), srv.hits.Load())
	}
	if want := "sms:closed>open sms:open>half-open sms:half-open>closed"; c.String() != want {
		t.Fatalf("changes %q, want %q", c, want)
	}
	if got := set.States(); len(got) != 1 || got[0] != (breaker.NamedState{Name: "sms", State: breaker.Closed}) {
		t.Fatalf("states %v", got)
	}
}

// TestFailedTrialReopens: a failing trial call in half-open opens the
// breaker again at once.
func TestFailedTrialReopens(t *testing.T) {
	srv := &smsServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	b := breaker.NewSet(breaker.Settings{Failures: 1, OpenFor: 100 * time.Millisecond}).Get("sms")
	s := &breaker.Sender[esign.SMS]{Next: &sms.Twilio{BaseURL: ts.URL, AccountSID: "AC1", AuthToken: "t", From: "+1555"}, Breaker: b}
	msg := &esign.SMS{ID: "x", To: "+15550002222", Body: "hi"}
	_ = s.Send(context.Background(), msg)
	time.Sleep(150 * time.Millisecond)
	if err := s.Send(context.Background(), msg); err == nil || esign.IsKind(err, esign.KindUnavailable) {
		t.Fatalf("trial: %v, want the server's error", err)
	}
	if b.State() != breaker.Open || srv.hits.Load() != 2 {
		t.Fatalf("state %s after a failed trial, %d requests; want open, 2", b.State(), srv.hits.Load())
	}
}

// TestAnswersAreNotFailures: refusals that show the service working (an
// invalid number, a missing blob) and the caller's own errors never open
// the breaker.
func TestAnswersAreNotFailures(t *testing.T) {
	b := breaker.NewSet(breaker.Settings{Failures: 1}).Get("x")
	for _, err := range []error{
		&esign.PermanentError{Err: errors.New("21211 invalid number")},
		esign.NotFound("blob"),
		context.Canceled,
	} {
		if got := b.Do(func() error { return err }); !errors.Is(got, err) && got != err {
			t.Fatalf("Do returned %v, want %v", got, err)
		}
	}
	if b.State() != breaker.Closed {
		t.Fatalf("state %s, want closed", b.State())
	}
}

// TestGroupKeysBreakers: a group keeps one breaker per key, so one failing
// host leaves the others closed.
func TestGroupKeysBreakers(t *testing.T) {
	set := breaker.NewSet(breaker.Settings{Failures: 2})
	g := set.Group("webhook")
	boom := errors.New("connection refused")
	for range 2 {
		_ = g.Get("bad.example").Do(func() error { return boom })
	}
	if err := g.Get("good.example").Do(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := []breaker.NamedState{{Name: "webhook:bad.example", State: breaker.Open}, {Name: "webhook:good.example", State: breaker.Closed}}
	got := set.States()
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("states %v, want %v", got, want)
	}
	if g.Get("bad.example") != g.Get("bad.example") {
		t.Fatal("a key must keep its breaker")
	}
}
