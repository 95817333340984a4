// Package ratelimit is the generic cell rate algorithm (GCRA) behind GSign's
// rate limits, and an in-process limiter built on it. The Redis limiter
// (internal/redis) runs the same arithmetic in a Lua script so that every
// process shares one set of counters; both answer with a Decision.
//
// GCRA keeps one time per key, the theoretical arrival time (TAT) of the
// next request were requests spaced evenly. A request moves it one Interval
// later, and is refused when that would put it more than Tolerance ahead of
// now. That allows Capacity requests at once, then one per Interval.
package ratelimit

import (
	"time"
)

// Limit is a rate: Rate requests per Period on average, and up to Burst of
// them at once.
type Limit struct {
	Rate   int
	Period time.Duration
	// Burst is how many requests may come at once; zero or less means Rate,
	// so that "600 a minute" may be spent all in the first second.
	Burst int
}

// PerMinute is a limit of n requests a minute, all of which may come at once.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute} }

// Enabled reports whether l limits anything. A zero or negative Rate or
// Period disables a limit.
func (l Limit) Enabled() bool { return l.Rate > 0 && l.Period > 0 }

// Capacity is the burst in effect: how many requests a fresh key may make
// at once.
func (l Limit) Capacity() int {
	if l.Burst <= 0 {
		return l.Rate
	}
	return l.Burst
}

// Interval is what one request costs: Period / Rate.
func (l Limit) Interval() time.Duration {
	return max(l.Period/time.Duration(l.Rate), time.Nanosecond)
}

// Tolerance is how far ahead of now a key's TAT may run: Capacity intervals.
func (l Limit) Tolerance() time.Duration {
	return l.Interval() * time.Duration(l.Capacity())
}

// Decision is a limiter's answer for one request.
type Decision struct {
	Allowed bool
	// Limit is the Capacity: the most requests that may come at once.
	Limit int
	// Remaining is how many more requests may come now.
	Remaining int
	// RetryAfter is how long a refused request must wait; zero when allowed.
	RetryAfter time.Duration
	// Reset is how long until the full Capacity is available again.
	Reset time.Duration
}

// Step is one request of GCRA: given the key's TAT (zero when it has none)
// it returns the TAT to store and the decision. A refused request leaves
// the TAT as it was.
func (l Limit) Step(tat, now time.Time) (time.Time, Decision) {
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.Interval())
	if next.Sub(now) > l.Tolerance() {
		return tat, l.Decide(false, tat.Sub(now))
	}
	return next, l.Decide(true, next.Sub(now))
}

// Decide builds the decision from whether the request was allowed and how
// far the key's TAT runs ahead of now after it (ahead). The Redis limiter's
// script returns exactly these two, so both limiters report alike.
func (l Limit) Decide(allowed bool, ahead time.Duration) Decision {
	ahead = max(ahead, 0)
	interval, tolerance := l.Interval(), l.Tolerance()
	d := Decision{
		Allowed:   allowed,
		Limit:     l.Capacity(),
		Remaining: max(0, int((tolerance-ahead)/interval)),
		Reset:     ahead,
	}
	if !allowed {
		d.RetryAfter = max(ahead+interval-tolerance, 0)
	}
	return d
}

// probeShare is how many probes cost as much as one request.
const probeShare = 100_000

// Probe returns a limit that, counted on the same key as l, is refused
// exactly when one more request under l would be, with the same
// RetryAfter, while an allowed probe costs a hundred-thousandth of a request
// (which the passing time pays back). It
// asks whether a key has room without spending it, through any limiter
// that runs GCRA (the in-process one and Redis alike): a failure counter
// probes before the expensive work and counts with l only on failure.
func (l Limit) Probe() Limit {
	return Limit{Rate: l.Rate * probeShare, Period: l.Period, Burst: probeShare*(l.Capacity()-1) + 1}
}
