package redis

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/ratelimit"
)

func perHour(n int) ratelimit.Limit { return ratelimit.Limit{Rate: n, Period: time.Hour} }

func newLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestLimiterShared: two limiters on the same Redis, as two processes
// would have, draw on the same counts. The interval (15 minutes) dwarfs
// the test's run time, so the outcome does not depend on timing.
func TestLimiterShared(t *testing.T) {
	prefix := testPrefix(t)
	a, b := NewLimiter(openTest(t, prefix)), NewLimiter(openTest(t, prefix))
	limit := perHour(4)
	ctx := context.Background()
	for i, l := range []*Limiter{a, b, a, b, a, b} {
		d, err := l.Allow(ctx, "user:1", limit)
		if err != nil {
			t.Fatal(err)
		}
		allowed := i < 4
		if d.Allowed != allowed || d.Limit != 4 || d.Remaining != max(3-i, 0) {
			t.Errorf("request %d: %+v, want allowed %v with %d remaining", i+1, d, allowed, max(3-i, 0))
		}
		if !allowed && (d.RetryAfter <= 14*time.Minute || d.RetryAfter > 15*time.Minute) {
			t.Errorf("request %d: retry after %v, want about 15 minutes", i+1, d.RetryAfter)
		}
	}
	if d, err := b.Allow(ctx, "user:2", limit); err != nil || !d.Allowed {
		t.Errorf("another key: %+v, %v", d, err)
	}
}

// TestLimiterMatchesGCRA: on the same clock, the script decides exactly as
// ratelimit.Limit.Step does, and a peek as the in-process limiter's.
func TestLimiterMatchesGCRA(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(openTest(t, testPrefix(t)))
	l.now = func() time.Time { return now }
	mem := ratelimit.NewMemory(func() time.Time { return now })
	limit := ratelimit.Limit{Rate: 6, Period: time.Minute, Burst: 3}
	for i, step := range []time.Duration{0, 0, 0, 0, 9 * time.Second, time.Second, 250 * time.Millisecond, 0, time.Hour, 0} {
		now = now.Add(step)
		for range 2 { // peeking, even twice, counts nothing
			got, err := l.Peek(context.Background(), "k", limit)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := mem.Peek(context.Background(), "k", limit); got != want {
				t.Errorf("peek before request %d: redis %+v, gcra %+v", i+1, got, want)
			}
		}
		got, err := l.Allow(context.Background(), "k", limit)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := mem.Allow(context.Background(), "k", limit)
		if got != want {
			t.Errorf("request %d: redis %+v, gcra %+v", i+1, got, want)
		}
	}
}

// TestLimiterTTL: a key lives only as long as its TAT is ahead of now.
func TestLimiterTTL(t *testing.T) {
	c := openTest(t, testPrefix(t))
	l := NewLimiter(c)
	ctx := context.Background()
	limit := ratelimit.PerMinute(60) // a request costs a second
	for range 3 {
		if _, err := l.Allow(ctx, "k", limit); err != nil {
			t.Fatal(err)
		}
	}
	ttl, err := c.rdb.PTTL(ctx, c.key("rate", "k")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 2*time.Second || ttl > 3*time.Second {
		t.Errorf("TTL %v, want up to 3s: three requests' worth", ttl)
	}
}

// TestLimiterScriptFlush: after Redis forgets the script (a restart, SCRIPT
// FLUSH), the next call loads it again and the counts carry on.
func TestLimiterScriptFlush(t *testing.T) {
	c := openTest(t, testPrefix(t))
	l := NewLimiter(c)
	ctx := context.Background()
	limit := perHour(5)
	if d, err := l.Allow(ctx, "k", limit); err != nil || d.Remaining != 4 {
		t.Fatalf("%+v, %v", d, err)
	}
	if err := c.rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if d, err := l.Allow(ctx, "k", limit); err != nil || d.Remaining != 3 {
		t.Fatalf("after SCRIPT FLUSH: %+v, %v", d, err)
	}
	if ok, err := gcra.Exists(ctx, c.rdb).Result(); err != nil || !ok[0] {
		t.Errorf("the script was not loaded again: %v %v", ok, err)
	}
}

func TestLimiterDisabled(t *testing.T) {
	l := NewLimiter(openTest(t, testPrefix(t)))
	for _, limit := range []ratelimit.Limit{{}, ratelimit.PerMinute(-1)} {
		if d, err := l.Allow(context.Background(), "k", limit); err != nil || !d.Allowed {
			t.Errorf("%+v: %+v, %v", limit, d, err)
		}
	}
}
