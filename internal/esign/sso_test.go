package esign

import (
	"strings"
	"testing"
)

// TestNormalizeDomain: domains are compared lowercased without a final
// dot, and only DNS names of two labels or more are claimable.
func TestNormalizeDomain(t *testing.T) {
	good := map[string]string{"Acme.Example": "acme.example", " acme.example. ": "acme.example", "eu-1.acme.example": "eu-1.acme.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example"}
	for in, want := range good {
		if got, err := normalizeDomain("d", in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "acme", ".acme.example", "acme..example", "-acme.example", "acme-.example", "a_b.example",
		"bücher.example", "acme.example/x", "user@acme.example", strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 127) + "example"} {
		if got, err := normalizeDomain("d", in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

// TestCheckIssuer: https anywhere, plain http only to loopback, and no
// query, fragment or credentials.
func TestCheckIssuer(t *testing.T) {
	for _, in := range []string{"https://login.example.com/realms/acme", "https://accounts.google.com", "http://127.0.0.1:8081", "http://localhost/x", "http://[::1]:9000"} {
		if _, err := checkIssuer(in); err != nil {
			t.Errorf("%q refused: %v", in, err)
		}
	}
	for _, in := range []string{"", "login.example.com", "http://login.example.com", "ftp://login.example.com", "https://login.example.com/?a=b",
		"https://login.example.com/#f", "https://user:pw@login.example.com", "https://"} {
		if _, err := checkIssuer(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
