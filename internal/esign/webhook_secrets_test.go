package esign_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// TestRotationOverlap: after a rotation a receiver that knows either secret
// accepts deliveries for 24 hours; after that only the new one signs.
func TestRotationOverlap(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	oldOnly := webhooktest.NewReceiver(t)
	ep := h.endpoint(p, oldOnly, esign.EventEnvelopeSent)
	_, newSecret, err := h.svc.RotateWebhookSecret(context.Background(), p, ep.ID)
	must(t, err)
	h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	sig := oldOnly.Requests()[0].Header.Get("webhook-signature")
	if len(strings.Fields(sig)) != 2 || oldOnly.Verify(newSecret, oldOnly.Requests()[0].Body, oldOnly.Requests()[0].Header) != nil {
		t.Fatalf("during the overlap: signature %q, want two that the old and the new secret verify", sig)
	}
	h.clock.Advance(esign.WebhookSecretOverlap + time.Second)
	oldOnly.SetSecrets(newSecret)
	h.sentEnvelope(p, recipientSpec{"bob@example.com", esign.RoleSigner, 1})
	if sig := oldOnly.Requests()[1].Header.Get("webhook-signature"); len(strings.Fields(sig)) != 1 {
		t.Fatalf("after the overlap: signature %q, want one", sig)
	}
}

func TestSecretBox(t *testing.T) {
	box, err := esign.NewSecretBox(bytes.Repeat([]byte{1}, 32))
	must(t, err)
	other, _ := esign.NewSecretBox(bytes.Repeat([]byte{2}, 32))
	sealed := box.Seal("whsec_abc", "whe_1")
	if got, err := box.Open(sealed, "whe_1"); err != nil || got != "whsec_abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another owner":      func() (string, error) { return box.Open(sealed, "whe_2") },
		"another master key": func() (string, error) { return other.Open(sealed, "whe_1") },
		"tampered":           func() (string, error) { return box.Open(tamper(sealed), "whe_1") },
		"no box":             func() (string, error) { return (*esign.SecretBox)(nil).Open(sealed, "whe_1") },
	} {
		if got, err := open(); err == nil {
			t.Errorf("%s: opened %q", name, got)
		}
	}
	if got, err := box.Open("whsec_clear", "whe_1"); err != nil || got != "whsec_clear" {
		t.Errorf("a secret stored in the clear: %q, %v", got, err)
	}
	if _, err := esign.NewSecretBox([]byte("short")); err == nil {
		t.Error("a short master key made a box")
	}
}

// tamper changes one base64 character inside the sealed value's tag, always
// to a different one (and never the last, whose low bits are padding).
func tamper(sealed string) string {
	i := len(sealed) - 3
	c := byte('A')
	if sealed[i] == 'A' {
		c = 'B'
	}
	return sealed[:i] + string(c) + sealed[i+1:]
}
