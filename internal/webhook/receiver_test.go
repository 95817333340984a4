package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook"
)

// received is one request a receiver got.
type received struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

// receiver is a loopback webhook receiver that verifies every request with
// the Standard Webhooks reference library, which shares no code with GSign.
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	secrets []string // any one of them must verify
	// strict checks the timestamp against the wall clock too; tests on a
	// fake clock turn it off.
	strict bool
	status func(n int) int // answer to the n-th request (1-based)
	delay  time.Duration

	mu       sync.Mutex
	got      []received
	verified int
}

func newReceiver(t *testing.T, secrets ...string) *receiver {
	r := &receiver{t: t, secrets: secrets, strict: true, status: func(int) int { return 204 }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{Header: req.Header.Clone(), Body: body, At: time.Now()})
	n := len(r.got)
	if r.verify(body, req.Header) == nil {
		r.verified++
	} else {
		r.t.Errorf("delivery %d does not verify: %v", n, r.verify(body, req.Header))
	}
	status, delay := r.status(n), r.delay
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, "answer "+strconv.Itoa(status))
}

// verify accepts the message if any of the receiver's secrets verifies it.
func (r *receiver) verify(body []byte, h http.Header) error {
	var err error
	for _, s := range r.secrets {
		wh, e := standardwebhooks.NewWebhook(s)
		if e != nil {
			return e
		}
		if r.strict {
			err = wh.Verify(body, h)
		} else {
			err = wh.VerifyIgnoringTimestamp(body, h)
		}
		if err == nil {
			return nil
		}
	}
	return err
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func loopbackClient(timeout time.Duration) *webhook.Client {
	return webhook.New(webhook.Config{Timeout: timeout,
		Policy: webhook.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
}

func TestDeliveriesVerifyWithTheReferenceLibrary(t *testing.T) {
	secret := esign.NewWebhookSecret()
	r := newReceiver(t, secret)
	cl := loopbackClient(5 * time.Second)
	body := []byte(`{"type":"envelope.sent","timestamp":"2026-05-01T09:00:00Z","data":{"envelope":{"id":"env_1"}}}`)
	res := cl.Deliver(context.Background(), &esign.WebhookRequest{URL: r.srv.URL, ID: "msg_1", Timestamp: time.Now(), Body: body, Secrets: []string{secret}})
	if !res.Succeeded() || res.StatusCode != 204 {
		t.Fatalf("Deliver = %+v", res)
	}
	got := r.requests()
	if len(got) != 1 || got[0].Header.Get("webhook-id") != "msg_1" || string(got[0].Body) != string(body) {
		t.Fatalf("receiver got %+v", got)
	}
	wh, _ := standardwebhooks.NewWebhook(secret)
	h := got[0].Header
	mutations := map[string]func() ([]byte, http.Header){
		"body": func() ([]byte, http.Header) { return append([]byte(" "), body...), h.Clone() },
		"id": func() ([]byte, http.Header) {
			m := h.Clone()
			m.Set("webhook-id", "msg_2")
			return body, m
		},
		"timestamp": func() ([]byte, http.Header) {
			m := h.Clone()
			ts, _ := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
			m.Set("webhook-timestamp", strconv.FormatInt(ts+1, 10))
			return body, m
		},
	}
	for name, mutate := range mutations {
		b, m := mutate()
		if err := wh.Verify(b, m); err == nil {
			t.Errorf("a delivery with a mutated %s verifies", name)
		}
	}
	if err := wh.Verify(body, h); err != nil {
		t.Errorf("the unmutated delivery does not verify: %v", err)
	}
}

func TestRotationOverlapCarriesBothSignatures(t *testing.T) {
	oldSecret, newSecret := esign.NewWebhookSecret(), esign.NewWebhookSecret()
	for _, secrets := range [][]string{{oldSecret}, {newSecret}} {
		r := newReceiver(t, secrets...)
		res := loopbackClient(5*time.Second).Deliver(context.Background(), &esign.WebhookRequest{
			URL: r.srv.URL, ID: "msg_rot", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: []string{newSecret, oldSecret}})
		if !res.Succeeded() || r.verified != 1 {
			t.Errorf("a receiver knowing one of the secrets: %+v, verified %d", res, r.verified)
		}
	}
	sig, err := webhook.Signature([]string{newSecret, oldSecret}, "msg_rot", time.Now(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(sig)); n != 2 {
		t.Errorf("signature header %q has %d entries, want 2", sig, n)
	}
}

func TestShortSecretsAreRefused(t *testing.T) {
	_, err := webhook.Signature([]string{"whsec_" + "c2hvcnQ="}, "msg", time.Now(), nil)
	if err == nil {
		t.Error("a 5-byte secret signed")
	}
}

func TestTimeoutBoundsAnAttempt(t *testing.T) {
	r := newReceiver(t, esign.NewWebhookSecret())
	r.delay = 5 * time.Second
	start := time.Now()
	res := loopbackClient(300*time.Millisecond).Deliver(context.Background(), &esign.WebhookRequest{
		URL: r.srv.URL, ID: "msg_slow", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: r.secrets})
	if res.Err == "" || time.Since(start) > 2*time.Second {
		t.Errorf("slow receiver: %+v after %v, want a timeout near 300ms", res, time.Since(start))
	}
}
