package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gsign/gsign/internal/esign"
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
		d, err := a.cfg.Limiter.Peek(r.Context(), key, limit)
		switch {
		case err != nil:
			a.limiterFailed(r, err) // fail open, as every limit does
		case !d.Allowed:
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
		if tw.status != http.StatusNotFound {
			return
		}
		if _, err := a.cfg.Limiter.Allow(r.Context(), key, limit); err != nil {
			a.limiterFailed(r, err)
		}
	})
}
