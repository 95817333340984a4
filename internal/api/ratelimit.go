package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// Limiter counts requests against a limit. Its counts are the deployment's
// when it is shared (Redis), or this process's own (ratelimit.Memory).
// Allow must answer promptly: an error lets the request through, so that a
// limiter outage never takes the API down.
type Limiter interface {
	Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error)
	// Peek says whether a request would be allowed now, counting nothing.
	Peek(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error)
}

var _ Limiter = (*ratelimit.Memory)(nil)

// RateLimits are the limits of each class of caller. A limit that is not
// Enabled (a zero or negative Rate) switches its class off.
type RateLimits struct {
	// Auth counts register, login and refresh per client address: brute
	// force protection.
	Auth ratelimit.Limit
	// API counts sender routes per API key, or per user for access tokens.
	API ratelimit.Limit
	// Signing counts the signing API and page per signing token.
	Signing ratelimit.Limit
	// Public counts the other unauthenticated routes (verification, which
	// is costly) per client address. Health probes are never limited.
	Public ratelimit.Limit
	// Guesses counts, per client address, requests to routes with a
	// {token} in the path that answered 404: someone guessing links.
	// Over it, every such route refuses the address until it waits.
	Guesses ratelimit.Limit
	// AuthFailures counts failed sign-ins (wrong password or code) per
	// client address, so that one address cannot try many accounts: over
	// it, sign-ins from the address are refused before any password is
	// checked.
	AuthFailures ratelimit.Limit
}

// DefaultRateLimits are the limits of a Config that sets none.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Auth:    ratelimit.PerMinute(10),
		API:     ratelimit.PerMinute(600),
		Signing: ratelimit.PerMinute(120),
		Public:  ratelimit.PerMinute(60),
		Guesses: ratelimit.PerMinute(20),
		// AuthFailures: 30 at once, then one every two minutes.
		AuthFailures: ratelimit.Limit{Rate: 30, Period: time.Hour},
	}
}

// rateClass is a route's rate limit: whose requests count together.
type rateClass int

const (
	unlimited   rateClass = iota // health probes
	authRate                     // per client address
	apiRate                      // per API key or user; needs authenticate
	signingRate                  // per signing token
	publicRate                   // per client address
)

// limiterLogEvery is how often a failing limiter is logged at most: once per
// interval rather than once per request.
const limiterLogEvery = time.Minute

// limitOf returns the limit of a class; a zero Limit for unlimited.
func (a *api) limitOf(class rateClass) ratelimit.Limit {
	switch class {
	case authRate:
		return a.cfg.RateLimits.Auth
	case apiRate:
		return a.cfg.RateLimits.API
	case signingRate:
		return a.cfg.RateLimits.Signing
	case publicRate:
		return a.cfg.RateLimits.Public
	}
	return ratelimit.Limit{}
}

// rateLimit refuses a request over its class's limit with 429, and tells
// every caller of a limited route where it stands.
func (a *api) rateLimit(class rateClass, next http.Handler) http.Handler {
	limit := a.limitOf(class)
	if !limit.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := a.cfg.Limiter.Allow(r.Context(), a.rateKey(r, class), limit)
		if err != nil {
			a.limiterFailed(r, err)
			next.ServeHTTP(w, r) // fail open
			return
		}
		setRateHeaders(w.Header(), limit, d, a.cfg.Clock.Now())
		if !d.Allowed {
			w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(d.RetryAfter, 1), 10))
			a.writeError(w, r, rateLimited(class, limit, d))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateKey names whose requests count together.
func (a *api) rateKey(r *http.Request, class rateClass) string {
	switch class {
	case apiRate:
		p := principal(r)
		switch {
		case p == nil: // a route table row without authenticate
			return "api:address:" + addressKey(a.clientIP(r))
		case p.APIKeyID != "":
			return "api:key:" + p.APIKeyID
		}
		return "api:user:" + p.UserID
	case signingRate:
		return "signing:" + esign.HashSecret(r.PathValue("token"))
	case authRate:
		return "auth:" + addressKey(a.clientIP(r))
	default:
		return "public:" + addressKey(a.clientIP(r))
	}
}

// addressKey is the client address as counted: an IPv6 client usually holds
// a whole /64, so it counts as one.
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Is4() {
		return ip
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return prefix.String()
}

// setRateHeaders sets the IETF draft's RateLimit-* fields: the burst, what
// is left of it, and the seconds until it is whole again; and the older
// X-RateLimit-* fields that many clients read (GitHub's convention: the
// reset is a Unix time in seconds).
func setRateHeaders(h http.Header, limit ratelimit.Limit, d ratelimit.Decision, now time.Time) {
	limitText, remaining := strconv.Itoa(d.Limit), strconv.Itoa(d.Remaining)
	reset := ceilSeconds(d.Reset, 0)
	h.Set("RateLimit-Limit", limitText)
	h.Set("RateLimit-Remaining", remaining)
	h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	h.Set("RateLimit-Policy", fmt.Sprintf("%d;w=%d", limit.Capacity(), ceilSeconds(limit.Tolerance(), 1)))
	h.Set("X-RateLimit-Limit", limitText)
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Unix()+reset, 10))
}

// ceilSeconds rounds d up to whole seconds, and to at least least.
func ceilSeconds(d time.Duration, least int64) int64 {
	return max(int64(math.Ceil(d.Seconds())), least)
}

// rateLimited explains a refusal in the caller's terms.
func rateLimited(class rateClass, limit ratelimit.Limit, d ratelimit.Decision) error {
	who := map[rateClass]string{
		authRate: "sign-in requests from this address", apiRate: "requests with this credential",
		signingRate: "requests with this signing link", publicRate: "requests from this address",
	}[class]
	burst := ""
	if limit.Capacity() != limit.Rate {
		burst = fmt.Sprintf(", %d at once", limit.Capacity())
	}
	return esign.Errorf(esign.KindRateLimited, esign.CodeRateLimited,
		"too many %s: the limit is %d per %s%s; retry in %d seconds",
		who, limit.Rate, periodName(limit.Period), burst, ceilSeconds(d.RetryAfter, 1))
}

// periodName reads "minute" rather than "1m0s".
func periodName(p time.Duration) string {
	switch p {
	case time.Second:
		return "second"
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	}
	return p.String()
}

// limiterFailed logs a limiter failure, at most once per limiterLogEvery.
func (a *api) limiterFailed(r *http.Request, err error) {
	if n, ok := a.limiterLog.due(a.cfg.Clock.Now(), limiterLogEvery); ok {
		a.log.WarnContext(r.Context(), "rate limiter failed; letting requests through",
			"request_id", requestID(r.Context()), "failures", n, "err", err)
	}
}

// logThrottle lets a recurring message through at most once per interval,
// so that an outage does not log one line per request.
type logThrottle struct {
	mu     sync.Mutex
	next   time.Time
	missed int
}

// due counts one occurrence and reports whether to log it, with how many
// occurrences (this one included) the line stands for.
func (t *logThrottle) due(now time.Time, every time.Duration) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.missed++
	if now.Before(t.next) {
		return 0, false
	}
	n := t.missed
	t.next, t.missed = now.Add(every), 0
	return n, true
}
