package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// guessKeyPrefix names the per-address counters of unknown links.
const guessKeyPrefix = "guesses:"

// takesToken reports whether a route is reached with a secret in its path
// (a signing link, an invitation, a reset link): the routes where guessing
// is the attack.
func takesToken(pattern string) bool { return strings.Contains(pattern, "{token}") }

// guardGuesses cuts off an address that keeps presenting links that do not
// exist. A per-token limit cannot do that, since every guess is a new
// token; so the address pays for each 404 it gets, and once its budget is
// spent every token route refuses it, real links included, until it has
// waited: a guesser learns nothing more. Addresses that present real links
// spend nothing, so signers are never slowed by someone else's guessing.
func (a *api) guardGuesses(next http.Handler) http.Handler {
	limit := a.cfg.RateLimits.Guesses
	if !limit.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := guessKeyPrefix + addressKey(a.clientIP(r))
		if d, over := a.overBudget(r, key, limit); over {
			setRateHeaders(w.Header(), limit, d, a.cfg.Clock.Now())
			retry := ceilSeconds(d.RetryAfter, 1)
			w.Header().Set("Retry-After", strconv.FormatInt(retry, 10))
			a.writeError(w, r, esign.Errorf(esign.KindRateLimited, esign.CodeRateLimited,
				"too many links that do not exist were tried from this address: the limit is %d per %s; retry in %d seconds",
				limit.Rate, periodName(limit.Period), retry))
			return
		}
		tw := &trackingWriter{ResponseWriter: w}
		next.ServeHTTP(tw, r)
		if tw.status == http.StatusNotFound {
			a.chargeFailure(r, key, limit)
		}
	})
}

// overBudget reports whether key has no failures left to spend under
// limit, counting nothing. A failing limiter lets the caller through, as
// for every rate limit.
func (a *api) overBudget(r *http.Request, key string, limit ratelimit.Limit) (ratelimit.Decision, bool) {
	d, err := a.cfg.Limiter.Peek(r.Context(), key, limit)
	if err != nil {
		a.limiterFailed(r, err)
		return d, false
	}
	return d, !d.Allowed
}

// chargeFailure counts one failure of key under limit.
func (a *api) chargeFailure(r *http.Request, key string, limit ratelimit.Limit) {
	if _, err := a.cfg.Limiter.Allow(r.Context(), key, limit); err != nil {
		a.limiterFailed(r, err)
	}
}
