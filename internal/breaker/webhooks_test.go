package breaker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook"
)

// TestWebhooksBreakerPerHost: a receiver answering 500 opens its host's
// breaker, after which attempts to it are not made (and say so), while a
// healthy receiver on another host keeps getting every attempt; a 4xx is
// an answer and opens nothing.
func TestWebhooksBreakerPerHost(t *testing.T) {
	var badHits, goodHits, gone atomic.Int64
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		badHits.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer bad.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		goodHits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer good.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gone.Add(1)
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer refusing.Close()

	set := breaker.NewSet(breaker.Settings{Failures: 3, OpenFor: time.Minute})
	w := &breaker.Webhooks{Hosts: set.Group("webhook"), Next: webhook.New(webhook.Config{
		Policy: webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, Timeout: 5 * time.Second})}
	deliver := func(url string) esign.WebhookResult {
		return w.Deliver(context.Background(), &esign.WebhookRequest{URL: url, ID: "msg_1", Timestamp: time.Now(),
			Body: []byte(`{}`), Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	}
	for i := range 6 {
		res := deliver(bad.URL + "/hook")
		if i < 3 && res.StatusCode != 500 {
			t.Fatalf("attempt %d: %+v, want a 500 from the receiver", i, res)
		}
		if i >= 3 && (res.StatusCode != 0 || !strings.HasPrefix(res.Err, "not attempted")) {
			t.Fatalf("attempt %d with the breaker open: %+v, want not attempted", i, res)
		}
		if res := deliver(good.URL + "/hook"); !res.Succeeded() {
			t.Fatalf("healthy receiver: %+v", res)
		}
		if res := deliver(refusing.URL + "/hook"); res.StatusCode != 404 {
			t.Fatalf("refusing receiver: %+v, want its 404", res)
		}
	}
	if badHits.Load() != 3 || goodHits.Load() != 6 || gone.Load() != 6 {
		t.Fatalf("hits: failing %d, healthy %d, 404 %d; want 3, 6, 6", badHits.Load(), goodHits.Load(), gone.Load())
	}
	if got := set.Group("webhook").Get(strings.TrimPrefix(bad.URL, "http://")).State(); got != breaker.Open {
		t.Fatalf("failing host's breaker %s, want open", got)
	}
}
