package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// TestStep walks one key through a burst, a refusal and the refill.
func TestStep(t *testing.T) {
	l := Limit{Rate: 6, Period: time.Minute, Burst: 3} // one per 10 s, three at once
	steps := []struct {
		name      string
		at        time.Duration // since t0
		allowed   bool
		remaining int
		retry     time.Duration
		reset     time.Duration
	}{
		{"first", 0, true, 2, 0, 10 * time.Second},
		{"second", 0, true, 1, 0, 20 * time.Second},
		{"third", 0, true, 0, 0, 30 * time.Second},
		{"over the burst", 0, false, 0, 10 * time.Second, 30 * time.Second},
		{"still too early", 9 * time.Second, false, 0, time.Second, 21 * time.Second},
		{"one interval later", 10 * time.Second, true, 0, 0, 30 * time.Second},
		{"refilled", 2 * time.Minute, true, 2, 0, 10 * time.Second},
	}
	var tat time.Time
	for _, s := range steps {
		var d Decision
		tat, d = l.Step(tat, t0.Add(s.at))
		want := Decision{Allowed: s.allowed, Limit: 3, Remaining: s.remaining, RetryAfter: s.retry, Reset: s.reset}
		if d != want {
			t.Errorf("%s: %+v, want %+v", s.name, d, want)
		}
	}
}

func TestLimitDefaults(t *testing.T) {
	tests := []struct {
		name     string
		l        Limit
		enabled  bool
		capacity int
	}{
		{"per minute", PerMinute(600), true, 600},
		{"explicit burst", Limit{Rate: 600, Period: time.Minute, Burst: 50}, true, 50},
		{"zero rate", Limit{Period: time.Minute}, false, 0},
		{"negative rate", PerMinute(-1), false, -1},
		{"zero period", Limit{Rate: 10}, false, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.Enabled(); got != tt.enabled {
				t.Errorf("Enabled = %v, want %v", got, tt.enabled)
			}
			if got := tt.l.Capacity(); got != tt.capacity {
				t.Errorf("Capacity = %d, want %d", got, tt.capacity)
			}
		})
	}
	if got := PerMinute(600).Interval(); got != 100*time.Millisecond {
		t.Errorf("Interval of 600/min = %v", got)
	}
}

func TestMemoryKeysAreSeparate(t *testing.T) {
	now := t0
	m := NewMemory(func() time.Time { return now })
	l := PerMinute(2)
	for i, want := range []bool{true, true, false} {
		if d, _ := m.Allow(context.Background(), "a", l); d.Allowed != want {
			t.Fatalf("a #%d: allowed %v, want %v", i+1, d.Allowed, want)
		}
	}
	if d, _ := m.Allow(context.Background(), "b", l); !d.Allowed {
		t.Fatal("b was refused because of a")
	}
}

// TestMemorySweep: keys whose time has passed are forgotten, so the map
// does not grow forever.
func TestMemorySweep(t *testing.T) {
	now := t0
	m := NewMemory(func() time.Time { return now })
	l := PerMinute(60)
	for i := range sweepEvery - 1 {
		m.Allow(context.Background(), strconv.Itoa(i), l)
	}
	now = now.Add(time.Minute)
	m.Allow(context.Background(), "last", l) // the sweepEvery-th call sweeps
	if n := m.Len(); n != 1 {
		t.Errorf("%d keys remembered after the sweep, want 1", n)
	}
}

// TestProbe: a probe is allowed while the key has room for one more
// request and refused, with the same RetryAfter, once it has none; a probe
// costs a hundred-thousandth of a request, which the passing time pays back.
func TestProbe(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	m := NewMemory(func() time.Time { return now })
	l := Limit{Rate: 3, Period: time.Minute}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if d, _ := m.Allow(ctx, "k", l.Probe()); !d.Allowed {
			t.Fatalf("probe refused after %d requests", i)
		}
		now = now.Add(100 * time.Millisecond) // pays the probe's 200µs back
		if d, _ := m.Allow(ctx, "k", l); !d.Allowed {
			t.Fatalf("request %d refused", i+1)
		}
	}
	probe, _ := m.Allow(ctx, "k", l.Probe())
	real, _ := m.Allow(ctx, "k", l)
	if probe.Allowed || real.Allowed {
		t.Fatalf("over the limit: probe %v, request %v", probe.Allowed, real.Allowed)
	}
	if diff := probe.RetryAfter - real.RetryAfter; diff < -time.Second || diff > time.Second {
		t.Fatalf("probe RetryAfter %v, request %v", probe.RetryAfter, real.RetryAfter)
	}
	now = now.Add(real.RetryAfter)
	if d, _ := m.Allow(ctx, "k", l.Probe()); !d.Allowed {
		t.Fatal("probe refused once the key had room again")
	}
}
