package ratelimit

import (
	"context"
	"sync"
	"time"
)

// sweepEvery is how many calls pass between sweeps of expired keys.
const sweepEvery = 1024

// Memory is an in-process limiter: its counts are this process's alone, so
// several processes behind one load balancer each allow the full rate.
type Memory struct {
	now   func() time.Time
	mu    sync.Mutex
	tats  map[string]time.Time
	calls int
}

// NewMemory returns an in-process limiter that reads the time from now.
func NewMemory(now func() time.Time) *Memory {
	return &Memory{now: now, tats: map[string]time.Time{}}
}

// Allow counts one request of key against limit. It never fails.
func (m *Memory) Allow(_ context.Context, key string, limit Limit) (Decision, error) {
	if !limit.Enabled() {
		return Decision{Allowed: true}, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%sweepEvery == 0 {
		m.sweep(now)
	}
	tat, d := limit.Step(m.tats[key], now)
	if d.Allowed {
		m.tats[key] = tat
	}
	return d, nil
}

// Peek reports whether a request of key would be allowed now, without
// counting one. It never fails.
func (m *Memory) Peek(_ context.Context, key string, limit Limit) (Decision, error) {
	if !limit.Enabled() {
		return Decision{Allowed: true}, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	_, d := limit.Step(m.tats[key], now)
	return d, nil
}

// sweep forgets keys whose TAT has passed: they are as good as new, so
// forgetting them changes no decision and keeps the map from growing forever.
func (m *Memory) sweep(now time.Time) {
	for key, tat := range m.tats {
		if !tat.After(now) {
			delete(m.tats, key)
		}
	}
}

// Len is how many keys the limiter remembers.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}
