package api

import (
	"strconv"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// TestGuessingSigningLinksIsCutOff: an address that tries links that do
// not exist is refused with 429 and Retry-After once its budget is spent,
// on every token route and for real links too, so it learns nothing more;
// meanwhile a signer at another address, with a real link, is answered as
// usual at every step; and after the wait the address may try again.
func TestGuessingSigningLinksIsCutOff(t *testing.T) {
	e := limited(t, RateLimits{Guesses: ratelimit.PerMinute(5), Signing: ratelimit.PerMinute(1000)})
	e.sentEnvelope(e.register("alice@example.com"))
	e.drain()
	real, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const guesser, signer = "198.51.100.7:5000", "203.0.113.9:6000"
	open := func(remote, token string) int {
		return e.doFrom(remote, req{method: "GET", path: "/api/v1/signing/" + token}).Code
	}
	for i := range 5 {
		if got := open(guesser, "gst_guess"+strconv.Itoa(i)); got != 404 {
			t.Fatalf("guess %d: status %d, want 404", i+1, got)
		}
		if got := open(signer, real); got != 200 {
			t.Fatalf("the signer, during guess %d: status %d", i+1, got)
		}
	}
	for _, path := range []string{"/api/v1/signing/gst_guess6", "/api/v1/signing/" + real, "/s/" + real, "/api/v1/signing/" + real + "/result"} {
		w := e.doFrom(guesser, req{method: "GET", path: path})
		e.expect(w, 429, esign.CodeRateLimited)
		if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 12 {
			t.Errorf("%s: Retry-After %q, want 1 to 12 seconds", path, w.Header().Get("Retry-After"))
		}
	}
	if got := open(signer, real); got != 200 {
		t.Fatalf("the signer, while the guesser is cut off: status %d", got)
	}
	e.expect(e.doFrom(guesser, badLogin()), 401, esign.CodeInvalidCredentials) // other routes are not affected
	e.clock.Advance(12 * time.Second)
	if got := open(guesser, real); got != 200 {
		t.Errorf("after the wait, a real link from the guesser's address: status %d", got)
	}
}

// TestRealLinksSpendNoGuesses: opening real links, however often, never
// uses up the address's budget for unknown ones.
func TestRealLinksSpendNoGuesses(t *testing.T) {
	e := limited(t, RateLimits{Guesses: ratelimit.PerMinute(2)})
	e.sentEnvelope(e.register("alice@example.com"))
	e.drain()
	real, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + real}), 200, "")
	}
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_nope"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_nope2"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/" + real}), 429, esign.CodeRateLimited)
}
