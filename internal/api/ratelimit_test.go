package api

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// limited is newEnv with only the given rate limits.
func limited(t *testing.T, limits RateLimits, configure ...func(*Config)) *env {
	t.Helper()
	return newEnv(t, append([]func(*Config){func(c *Config) { c.RateLimits = &limits }}, configure...)...)
}

// doFrom makes a request from the given peer address.
func (e *env) doFrom(remote string, q req) *httptest.ResponseRecorder {
	e.t.Helper()
	r := e.newRequest(q)
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func badLogin() req {
	return req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "nobody@example.com", "password": "wrong password"}}
}

// rateHeaders is what a response says about its rate limit.
type rateHeaders struct{ limit, remaining, reset, policy, retryAfter string }

func rateHeadersOf(w *httptest.ResponseRecorder) rateHeaders {
	h := w.Header()
	return rateHeaders{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), h.Get("RateLimit-Policy"), h.Get("Retry-After")}
}

// checkXRateHeaders checks that the X-RateLimit-* fields say what the
// RateLimit-* ones do, the reset as a Unix time.
func checkXRateHeaders(t *testing.T, w *httptest.ResponseRecorder, now time.Time) {
	t.Helper()
	h := w.Header()
	reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
	if err != nil {
		t.Fatalf("RateLimit-Reset %q: %v", h.Get("RateLimit-Reset"), err)
	}
	want := [3]string{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), strconv.FormatInt(now.Unix()+reset, 10)}
	got := [3]string{h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset")}
	if got != want {
		t.Errorf("X-RateLimit-Limit, -Remaining, -Reset = %q, want %q", got, want)
	}
}

// TestRateLimitAuth walks one address through its sign-in burst, the
// refusal, and the refill, checking every header on the way.
func TestRateLimitAuth(t *testing.T) {
	e := limited(t, RateLimits{Auth: ratelimit.PerMinute(3)}) // one per 20 s, three at once
	steps := []struct {
		name    string
		advance time.Duration
		status  int
		want    rateHeaders
	}{
		{"first", 0, 401, rateHeaders{"3", "2", "20", "3;w=60", ""}},
		{"second", 0, 401, rateHeaders{"3", "1", "40", "3;w=60", ""}},
		{"third", 0, 401, rateHeaders{"3", "0", "60", "3;w=60", ""}},
		{"fourth is refused", 0, 429, rateHeaders{"3", "0", "60", "3;w=60", "20"}},
		{"still refused", 19 * time.Second, 429, rateHeaders{"3", "0", "41", "3;w=60", "1"}},
		{"one interval later", time.Second, 401, rateHeaders{"3", "0", "60", "3;w=60", ""}},
		{"refilled", time.Hour, 401, rateHeaders{"3", "2", "20", "3;w=60", ""}},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		w := e.do(badLogin())
		code := esign.CodeInvalidCredentials
		if s.status == 429 {
			code = esign.CodeRateLimited
		}
		e.expect(w, s.status, code)
		if got := rateHeadersOf(w); got != s.want {
			t.Errorf("%s: headers %+v, want %+v", s.name, got, s.want)
		}
		checkXRateHeaders(t, w, e.clock.Now())
	}
}

func TestRateLimitProblem(t *testing.T) {
	e := limited(t, RateLimits{Auth: ratelimit.PerMinute(1)})
	e.do(badLogin())
	w := e.expect(e.do(badLogin()), 429, esign.CodeRateLimited)
	p := decode[problem](t, w)
	want := "too many sign-in requests from this address: the limit is 1 per minute; retry in 60 seconds"
	if p.Detail != want || p.Title != "Too Many Requests" || p.Type != problemTypeBase+esign.CodeRateLimited {
		t.Errorf("problem %+v, want detail %q", p, want)
	}
}

// TestRateLimitKeys: who counts together, and who does not.
func TestRateLimitKeys(t *testing.T) {
	tests := []struct {
		name   string
		trust  bool
		first  string // peer address, and X-Forwarded-For after a comma
		second string
		shared bool
	}{
		{"same address", false, "192.0.2.1:1000", "192.0.2.1:2000", true},
		{"other address", false, "192.0.2.1:1000", "192.0.2.2:1000", false},
		{"forwarded, untrusted", false, "10.0.0.1:1000,203.0.113.1", "10.0.0.1:1000,203.0.113.2", true},
		{"forwarded, trusted", true, "10.0.0.1:1000,203.0.113.1", "10.0.0.1:1000,203.0.113.2", false},
		{"same ipv6 /64", false, "[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:1000", true},
		{"other ipv6 /64", false, "[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := limited(t, RateLimits{Auth: ratelimit.PerMinute(1)}, func(c *Config) { c.TrustProxyHeaders = tt.trust })
			from := func(spec string) int {
				remote, ff, _ := strings.Cut(spec, ",")
				q := badLogin()
				if ff != "" {
					q.header = map[string]string{"X-Forwarded-For": ff}
				}
				return e.doFrom(remote, q).Code
			}
			from(tt.first)
			if got, want := from(tt.second) == 429, tt.shared; got != want {
				t.Errorf("second caller refused = %v, want %v", got, want)
			}
		})
	}
}

// TestRateLimitPerCredential: senders count per user, and an API key
// apart from its user's access tokens.
func TestRateLimitPerCredential(t *testing.T) {
	e := limited(t, RateLimits{API: ratelimit.PerMinute(2)})
	alice, bob := e.register("alice@example.com"), e.register("bob@example.com")
	list := func(token string) *httptest.ResponseRecorder {
		return e.do(req{method: "GET", path: "/api/v1/envelopes", token: token})
	}
	keyResp := e.expect(e.do(req{method: "POST", path: "/api/v1/api-keys", token: alice, body: map[string]string{"name": "ci"}}), 201, "")
	apiKey := decode[struct{ Key string }](t, keyResp).Key // the key's creation was alice's first request

	e.expect(list(alice), 200, "")
	e.expect(list(alice), 429, esign.CodeRateLimited)
	e.expect(list(bob), 200, "")
	e.expect(list(apiKey), 200, "")
	e.expect(list(apiKey), 200, "")
	e.expect(list(apiKey), 429, esign.CodeRateLimited)
	e.expect(list("gsa_not-a-token"), 401, esign.CodeUnauthorized) // refused before it is counted
}

// TestRateLimitPerSigningToken: recipients count per signing token, on the
// API and the page alike; an unknown token is counted too.
func TestRateLimitPerSigningToken(t *testing.T) {
	e := limited(t, RateLimits{Signing: ratelimit.PerMinute(2)})
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_one"}), 404, esign.CodeNotFound)
	e.expect(e.do(req{method: "GET", path: "/s/gst_one"}), 200, "")
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_one"}), 429, esign.CodeRateLimited)
	e.expect(e.do(req{method: "GET", path: "/api/v1/signing/gst_two"}), 404, esign.CodeNotFound)
}

// TestRateLimitDisabled: a zero or negative limit switches its class off,
// and health probes are never limited.
func TestRateLimitDisabled(t *testing.T) {
	tests := []struct {
		name  string
		limit ratelimit.Limit
	}{
		{"zero", ratelimit.Limit{}},
		{"negative rate", ratelimit.PerMinute(-5)},
		{"zero period", ratelimit.Limit{Rate: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := limited(t, RateLimits{Auth: tt.limit, Public: ratelimit.PerMinute(1)})
			e.svc.Config.SignIn.LockAfter = 0 // about the rate limit, not the account's lock
			for range 20 {
				w := e.expect(e.do(badLogin()), 401, esign.CodeInvalidCredentials)
				if got := rateHeadersOf(w); got != (rateHeaders{}) {
					t.Fatalf("a disabled class sent rate headers %+v", got)
				}
			}
			for range 3 {
				w := e.expect(e.do(req{method: "GET", path: "/healthz"}), 200, "")
				if w.Header().Get("RateLimit-Limit") != "" {
					t.Fatal("a health probe is rate limited")
				}
			}
		})
	}
}

func TestRateLimitDefaults(t *testing.T) {
	e := newEnv(t)
	w := e.do(badLogin())
	if got := rateHeadersOf(w); got.limit != "10" || got.policy != "10;w=60" {
		t.Errorf("default sign-in limit: %+v", got)
	}
	w = e.do(req{method: "POST", path: "/api/v1/verify", body: pdfUpload("file", "x.pdf", testPDF)})
	if got := w.Header().Get("RateLimit-Limit"); got != "60" {
		t.Errorf("default public limit: %q", got)
	}
}

// brokenLimiter fails like a shared store that is down.
type brokenLimiter struct{ calls atomic.Int32 }

func (b *brokenLimiter) Allow(context.Context, string, ratelimit.Limit) (ratelimit.Decision, error) {
	b.calls.Add(1)
	return ratelimit.Decision{}, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
}

func (b *brokenLimiter) Peek(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	return b.Allow(ctx, key, l)
}

// TestRateLimitFailsOpen: a limiter outage lets every request through and
// is logged once per interval, not once per request.
func TestRateLimitFailsOpen(t *testing.T) {
	broken := &brokenLimiter{}
	e := limited(t, RateLimits{Auth: ratelimit.PerMinute(1)}, func(c *Config) { c.Limiter = broken })
	for range 5 {
		w := e.expect(e.do(badLogin()), 401, esign.CodeInvalidCredentials)
		if got := rateHeadersOf(w); got != (rateHeaders{}) {
			t.Fatalf("rate headers without a decision: %+v", got)
		}
	}
	if n := strings.Count(e.logs.String(), "rate limiter failed"); n != 1 || broken.calls.Load() != 5 {
		t.Errorf("%d log lines for %d failures, want 1:\n%s", n, broken.calls.Load(), e.logs)
	}
	e.clock.Advance(limiterLogEvery)
	e.do(badLogin())
	logs := e.logs.String()
	if n := strings.Count(logs, "rate limiter failed"); n != 2 || !strings.Contains(logs, "failures=5") {
		t.Errorf("after the interval: %d lines, want 2 (the second counting 5 failures):\n%s", n, logs)
	}
}

// TestRateLimitedIsNotSaved: a refusal comes before the Idempotency-Key is
// taken, so a retry with the same key runs once the limit allows.
func TestRateLimitedIsNotSaved(t *testing.T) {
	e := limited(t, RateLimits{Auth: ratelimit.PerMinute(1)})
	q := badLogin()
	e.expect(e.do(q), 401, esign.CodeInvalidCredentials)
	q.header = map[string]string{"Idempotency-Key": "k"}
	e.expect(e.do(q), 429, esign.CodeRateLimited)
	e.clock.Advance(time.Minute)
	w := e.expect(e.do(q), 401, esign.CodeInvalidCredentials)
	if w.Header().Get("Idempotent-Replayed") != "" {
		t.Error("the retry was a replay")
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"not an address":       "not an address",
		"fe80::1%eth0":         "fe80::/64",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
