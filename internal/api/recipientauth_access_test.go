package api

import (
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// hammer posts wrong access codes to a's link n times, one after the
// other, and returns the responses; safe to run on its own goroutine.
func hammer(a *authEnvelope, n int) []*httptest.ResponseRecorder {
	out := make([]*httptest.ResponseRecorder, n)
	for i := range out {
		out[i] = a.e.do(req{method: "POST", path: a.path("/auth"), body: map[string]string{"code": "guess-" + string(rune('a'+i%26))}})
	}
	return out
}

// alongside runs fn while hammer runs, and returns the hammer's responses.
func alongside(a *authEnvelope, n int, fn func()) []*httptest.ResponseRecorder {
	var wg sync.WaitGroup
	var got []*httptest.ResponseRecorder
	wg.Go(func() { got = hammer(a, n) })
	fn()
	wg.Wait()
	return got
}

// TestAccessCodeBruteForce hammers one recipient's link with wrong access
// codes: the fifth locks it out (429 with Retry-After) and every later
// attempt is refused, while another recipient, at the same time, enters
// her code and signs as if nothing happened. The lockout then grows.
func TestAccessCodeBruteForce(t *testing.T) {
	e := newEnv(t)
	sender := e.register("olive@example.com")
	ana := e.sendWithAuth(sender, map[string]any{"auth": "access_code", "access_code": "tulip-42"})
	bea := e.sendWithAuth(sender, map[string]any{"auth": "access_code", "access_code": "rose-77", "email": "bea@example.com"})

	got := alongside(ana, 30, func() {
		res := decode[authResponse](t, e.expect(bea.verify("rose-77"), 200, ""))
		bea.sign(res.AuthProof)
	})
	for i, w := range got {
		switch {
		case i < esign.AccessCodeFailures-1:
			e.expect(w, 401, esign.CodeAuthCodeInvalid)
		case i == esign.AccessCodeFailures-1 && w.Header().Get("Retry-After") != "300":
			t.Errorf("the lockout's Retry-After is %q, want 300", w.Header().Get("Retry-After"))
		default:
			e.expect(w, 429, esign.CodeAuthLocked)
		}
	}
	e.expect(ana.verify("tulip-42"), 429, esign.CodeAuthLocked) // even the right code, while locked
	if r := bea.recipient(); r.Status != "completed" || r.AuthUsed != esign.AuthAccessCode {
		t.Errorf("the other recipient: %+v", r)
	}

	e.clock.Advance(5*time.Minute + time.Second)
	for range esign.AccessCodeFailures - 1 {
		e.expect(ana.verify("nope"), 401, esign.CodeAuthCodeInvalid)
	}
	if ra := e.expect(ana.verify("nope"), 429, esign.CodeAuthLocked).Header().Get("Retry-After"); ra != "600" {
		t.Errorf("the second lockout's Retry-After is %q, want 600 (doubled)", ra)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	res := decode[authResponse](t, e.expect(ana.verify("tulip-42"), 200, ""))
	ana.sign(res.AuthProof)
	ana.relogin()
	types := ana.auditTypes("tulip-42", "guess-a", "nope")
	if n := count(types, esign.AuditAuthFailed); n != 2*esign.AccessCodeFailures {
		t.Errorf("%d auth_failed events, want %d", n, 2*esign.AccessCodeFailures)
	}
	if count(types, esign.AuditAuthLocked) != 2 || !slices.Contains(types, esign.AuditAuthSucceeded) {
		t.Errorf("audit trail %v: want two lockouts and a success", types)
	}
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestSigningRateCutsOffHammering: with a tight signing rate, hammering
// one link is cut off by the per-link limit (429 with Retry-After) before
// the lockout matters, while another link keeps working.
func TestSigningRateCutsOffHammering(t *testing.T) {
	e := limited(t, RateLimits{Signing: ratelimit.PerMinute(3)})
	sender := e.register("olive@example.com")
	ana := e.sendWithAuth(sender, map[string]any{"auth": "access_code", "access_code": "tulip-42"})
	bea := e.sendWithAuth(sender, map[string]any{"auth": "access_code", "access_code": "rose-77", "email": "bea@example.com"})
	var beaStatus int
	got := alongside(ana, 10, func() { beaStatus = bea.verify("rose-77").Code })
	limitedN := 0
	for _, w := range got {
		if w.Code == 429 && w.Header().Get("Retry-After") != "" {
			limitedN++
		}
	}
	if limitedN < 7 || beaStatus != 200 {
		t.Errorf("%d of 10 hammering requests refused with 429 and Retry-After (want at least 7); the other link got %d", limitedN, beaStatus)
	}
}
