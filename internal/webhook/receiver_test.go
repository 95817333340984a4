package webhook_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

func loopbackClient(timeout time.Duration) *webhook.Client {
	return webhook.New(webhook.Config{Timeout: timeout, Policy: webhook.Policy{Allow: webhooktest.Loopback}})
}

func TestDeliveriesVerifyWithTheReferenceLibrary(t *testing.T) {
	secret := esign.NewWebhookSecret()
	r := webhooktest.NewReceiver(t, secret)
	body := []byte(`{"type":"envelope.sent","timestamp":"2026-05-01T09:00:00Z","data":{"envelope":{"id":"env_1"}}}`)
	res := loopbackClient(5*time.Second).Deliver(context.Background(), &esign.WebhookRequest{URL: r.URL, ID: "msg_1", Timestamp: time.Now(), Body: body, Secrets: []string{secret}})
	if !res.Succeeded() || res.StatusCode != 204 {
		t.Fatalf("Deliver = %+v", res)
	}
	got := r.Requests()
	if len(got) != 1 || got[0].ID() != "msg_1" || string(got[0].Body) != string(body) {
		t.Fatalf("receiver got %+v", got)
	}
	h := got[0].Header
	mutated := func(key, value string) http.Header {
		m := h.Clone()
		m.Set(key, value)
		return m
	}
	ts, _ := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	for name, m := range map[string]struct {
		body []byte
		h    http.Header
	}{
		"body":      {append([]byte(" "), body...), h},
		"id":        {body, mutated("webhook-id", "msg_2")},
		"timestamp": {body, mutated("webhook-timestamp", strconv.FormatInt(ts-1, 10))},
		"signature": {body, mutated("webhook-signature", "v1,"+strings.Repeat("A", 44))},
	} {
		if err := r.Verify(secret, m.body, m.h); err == nil {
			t.Errorf("a delivery with a mutated %s verifies", name)
		}
	}
	if err := r.Verify(secret, body, h); err != nil {
		t.Errorf("the unmutated delivery does not verify: %v", err)
	}
	if err := r.Verify(esign.NewWebhookSecret(), body, h); err == nil {
		t.Error("another secret verifies the delivery")
	}
}

func TestRotationOverlapCarriesBothSignatures(t *testing.T) {
	oldSecret, newSecret := esign.NewWebhookSecret(), esign.NewWebhookSecret()
	for _, known := range []string{oldSecret, newSecret} {
		r := webhooktest.NewReceiver(t, known)
		res := loopbackClient(5*time.Second).Deliver(context.Background(), &esign.WebhookRequest{
			URL: r.URL, ID: "msg_rot", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: []string{newSecret, oldSecret}})
		if !res.Succeeded() || len(r.Requests()) != 1 {
			t.Errorf("a receiver knowing one of the secrets: %+v", res)
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
	if _, err := webhook.Signature([]string{"whsec_c2hvcnQ="}, "msg", time.Now(), nil); err == nil {
		t.Error("a 5-byte secret signed")
	}
}

func TestTimeoutBoundsAnAttempt(t *testing.T) {
	secret := esign.NewWebhookSecret()
	r := webhooktest.NewReceiver(t, secret)
	r.Hang(5 * time.Second)
	start := time.Now()
	res := loopbackClient(300*time.Millisecond).Deliver(context.Background(), &esign.WebhookRequest{
		URL: r.URL, ID: "msg_slow", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: []string{secret}})
	if res.Err == "" || time.Since(start) > 2*time.Second {
		t.Errorf("slow receiver: %+v after %v, want a timeout near 300ms", res, time.Since(start))
	}
}
