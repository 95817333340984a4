package api

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

const goodPassword = "correct horse battery"

// unlimited is an env without request limits, so that tests of the
// account lock see only the lock.
func unlimitedEnv(t *testing.T, configure ...func(*Config)) *env {
	return limited(t, RateLimits{}, configure...)
}

func loginReq(email, password string) req {
	return req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password}}
}

// problemDetail returns a problem response's detail.
func problemDetail(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	return decode[problem](t, w).Detail
}

// TestLockout: five wrong passwords lock the email for a minute: the
// sixth attempt, even with the right password, is 429 account_locked with
// Retry-After, and the lock is gone once the minute has passed; the next
// lock after more failures lasts twice as long; a success resets the count.
func TestLockout(t *testing.T) {
	e := unlimitedEnv(t)
	e.register("olive@example.com")
	for i := range 5 {
		e.expect(e.do(loginReq("olive@example.com", "wrong password "+string(rune('a'+i)))), 401, esign.CodeInvalidCredentials)
	}
	w := e.expect(e.do(loginReq("olive@example.com", goodPassword)), 429, esign.CodeAccountLocked)
	if got := w.Header().Get("Retry-After"); got != "60" {
		t.Fatalf("Retry-After %q, want 60", got)
	}
	e.clock.Advance(59 * time.Second)
	w = e.expect(e.do(loginReq("OLIVE@example.com ", goodPassword)), 429, esign.CodeAccountLocked)
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q after 59s, want 1", got)
	}
	e.clock.Advance(time.Second)
	e.expect(e.do(loginReq("olive@example.com", "still wrong!!")), 401, esign.CodeInvalidCredentials)
	w = e.expect(e.do(loginReq("olive@example.com", goodPassword)), 429, esign.CodeAccountLocked)
	if got := w.Header().Get("Retry-After"); got != "120" {
		t.Fatalf("the sixth failure locks for %ss, want 120", got)
	}
	e.clock.Advance(2 * time.Minute)
	e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")
	for range 4 {
		e.expect(e.do(loginReq("olive@example.com", "wrong again!!")), 401, esign.CodeInvalidCredentials)
	}
	e.expect(e.do(loginReq("olive@example.com", goodPassword)), 200, "")
}

// TestLockoutUnknownEmail: an email without an account is locked exactly
// like one with, so the answers tell nothing about which emails exist.
func TestLockoutUnknownEmail(t *testing.T) {
	e := unlimitedEnv(t)
	e.register("olive@example.com")
	answers := func(email string) []string {
		var out []string
		for range 6 {
			w := e.do(loginReq(email, "wrong password!"))
			out = append(out, w.Result().Status+" "+w.Header().Get("Retry-After")+" "+problemDetail(t, w))
		}
		return out
	}
	known, unknown := answers("olive@example.com"), answers("nobody@example.com")
	if strings.Join(known, "\n") != strings.Join(unknown, "\n") {
		t.Fatalf("a known email is answered\n%s\nand an unknown one\n%s", strings.Join(known, "\n"), strings.Join(unknown, "\n"))
	}
	if !strings.HasPrefix(unknown[5], "429 Too Many Requests 60 ") {
		t.Fatalf("the sixth attempt: %s", unknown[5])
	}
}

// TestFailureLimitPerAddress: one address that fails too often, on any
// emails, is refused with 429 and Retry-After before any password is
// checked, while another address signs in as usual.
func TestFailureLimitPerAddress(t *testing.T) {
	e := limited(t, RateLimits{AuthFailures: ratelimit.Limit{Rate: 3, Period: time.Hour}})
	e.register("olive@example.com")
	spray := "198.51.100.7:1234"
	for _, email := range []string{"a@example.com", "b@example.com", "olive@example.com"} {
		e.expect(e.doFrom(spray, loginReq(email, "wrong password!")), 401, esign.CodeInvalidCredentials)
		e.clock.Advance(time.Second) // pays back the probe's sliver
	}
	w := e.expect(e.doFrom(spray, loginReq("olive@example.com", goodPassword)), 429, esign.CodeRateLimited)
	// One failure's share of the hour, less the 3s that passed.
	if got, _ := strconv.Atoi(w.Header().Get("Retry-After")); got < 1190 || got > 1200 {
		t.Fatalf("Retry-After %d, want about 1197", got)
	}
	e.expect(e.doFrom("203.0.113.9:999", loginReq("olive@example.com", goodPassword)), 200, "")
	e.clock.Advance(20 * time.Minute)
	e.expect(e.doFrom(spray, loginReq("olive@example.com", goodPassword)), 200, "")
}
