package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ssotest"
	"github.com/gsign/gsign/internal/webhook"
)

// guarded is a Client whose requests pass webhook's address policy, as
// cli wires it, allowing the networks.
func guarded(allow ...string) *Client {
	var nets []netip.Prefix
	for _, a := range allow {
		nets = append(nets, netip.MustParsePrefix(a))
	}
	return New(Config{HTTP: webhook.New(webhook.Config{Policy: webhook.Policy{Allow: nets}, Timeout: 5 * time.Second}).HTTPClient()})
}

// TestDiscoverKeepsToPublicAddresses: with the guarded client a provider on
// an internal address is refused unless its network is allowed, so an
// organization's admin cannot make GSign call internal services.
func TestDiscoverKeepsToPublicAddresses(t *testing.T) {
	idp := ssotest.NewProvider(t, "c", "s", time.Now)
	err := guarded().Discover(context.Background(), idp.Issuer)
	if esign.ErrorCode(err) != esign.CodeSSODiscovery || !strings.Contains(esign.ErrorMessage(err), "not allowed") {
		t.Fatalf("discovery of a loopback provider: %v", err)
	}
	if err := guarded("127.0.0.0/8").Discover(context.Background(), idp.Issuer); err != nil {
		t.Fatalf("discovery with loopback allowed: %v", err)
	}
}

// TestDiscoverDoesNotQuoteTheAnswer: a failed discovery says what status
// came back, never what the page said.
func TestDiscoverDoesNotQuoteTheAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal admin console: db password hunter2", http.StatusForbidden)
	}))
	defer srv.Close()
	err := New(Config{}).Discover(context.Background(), srv.URL)
	msg := esign.ErrorMessage(err)
	if esign.ErrorKind(err) != esign.KindInvalid || !strings.Contains(msg, "it answered 403 Forbidden") || strings.Contains(msg, "hunter2") {
		t.Fatalf("discovery error %q", msg)
	}
}

// TestEmailVerifiedAsText: providers that send email_verified as the
// string "true" are read as verified, anything else as not.
func TestEmailVerifiedAsText(t *testing.T) {
	for raw, want := range map[string]bool{`true`: true, `"true"`: true, `false`: false, `"false"`: false, `"yes"`: false, ``: false, `1`: false} {
		if got := truthy([]byte(raw)); got != want {
			t.Errorf("email_verified %s read as %v", raw, got)
		}
	}
}
