// Package breaker puts circuit breakers (sony/gobreaker) around the
// services GSign calls over the network: SMTP, the SMS provider, S3, the
// timestamp authority and, per host, webhook receivers. After a run of
// failures a breaker opens, and calls fail fast with a retryable
// KindUnavailable error instead of waiting on a dead service: a job goes
// back to the queue with its backoff, and an API request gets a 503 with
// Retry-After. After OpenFor one trial call goes through (half-open); its
// success closes the breaker.
package breaker

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/gsign/gsign/internal/esign"
)

// State is a breaker's state, numbered as the metric reports it.
type State int

// States.
const (
	Closed   State = 0
	HalfOpen State = 1
	Open     State = 2
)

func (s State) String() string {
	switch s {
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "closed"
}

// Settings tune the breakers of a Set.
type Settings struct {
	// Failures is how many consecutive failures open a breaker (default 5).
	Failures uint32
	// OpenFor is how long an open breaker fails fast before it lets a trial
	// call through (default 30s).
	OpenFor time.Duration
	// OnStateChange, if set, is told of every change (for metrics and logs).
	OnStateChange func(name string, from, to State)
}

// Set makes and remembers named breakers, so their states can be reported.
type Set struct {
	settings Settings
	mu       sync.Mutex
	byName   map[string]*Breaker
}

// NewSet returns an empty Set whose breakers use s.
func NewSet(s Settings) *Set {
	if s.Failures == 0 {
		s.Failures = 5
	}
	if s.OpenFor <= 0 {
		s.OpenFor = 30 * time.Second
	}
	return &Set{settings: s, byName: map[string]*Breaker{}}
}

// Get returns the breaker of the name, making it on first use.
func (s *Set) Get(name string) *Breaker {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.byName[name]; ok {
		return b
	}
	b := &Breaker{name: name, openFor: s.settings.OpenFor}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		Timeout:     s.settings.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.settings.Failures },
		OnStateChange: func(name string, from, to gobreaker.State) {
			if s.settings.OnStateChange != nil {
				s.settings.OnStateChange(name, State(from), State(to))
			}
		},
		IsSuccessful: answered,
		IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	s.byName[name] = b
	return b
}

// NamedState is one breaker's current state.
type NamedState struct {
	Name  string
	State State
}

// States returns every breaker's current state, by name.
func (s *Set) States() []NamedState {
	s.mu.Lock()
	out := make([]NamedState, 0, len(s.byName))
	for name, b := range s.byName {
		out = append(out, NamedState{name, b.State()})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Group returns a keyed group of the Set's breakers, one per key (a
// webhook receiver's host), named prefix:key.
func (s *Set) Group(prefix string) *Group { return &Group{set: s, prefix: prefix} }

// Group is a family of breakers, one per key, so that one failing webhook
// receiver does not stop deliveries to the others.
type Group struct {
	set    *Set
	prefix string
}

// Get returns the breaker of key.
func (g *Group) Get(key string) *Breaker { return g.set.Get(g.prefix + ":" + key) }

// Breaker is one named circuit breaker.
type Breaker struct {
	name    string
	openFor time.Duration
	cb      *gobreaker.CircuitBreaker[struct{}]
}

// Name is the breaker's name, as metrics label it.
func (b *Breaker) Name() string { return b.name }

// State is the breaker's current state; an open breaker whose OpenFor has
// passed reports half-open.
func (b *Breaker) State() State { return State(b.cb.State()) }

// Do runs fn through the breaker. While the breaker is open it returns at
// once, without calling fn, an *esign.Error of KindUnavailable with
// RetryAfter set, which the job runner retries and the API answers with 503.
func (b *Breaker) Do(fn func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, fn() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return &esign.Error{Kind: esign.KindUnavailable, Code: esign.CodeDependencyUnavailable,
			Message: b.name + " is unavailable; try again later", RetryAfter: b.openFor}
	}
	var c callerError
	if errors.As(err, &c) {
		return c.err
	}
	return err
}

// answered reports whether err still shows the service working: no error,
// a definite refusal (a permanent error such as an invalid number, a
// missing blob, a rejected request), or the caller's own failure.
func answered(err error) bool {
	var perm *esign.PermanentError
	var c callerError
	switch {
	case err == nil, errors.As(err, &perm), errors.As(err, &c):
		return true
	}
	k := esign.ErrorKind(err)
	return k == esign.KindNotFound || k == esign.KindInvalid || k == esign.KindTooLarge
}

// callerError carries an error of the caller's own code (a List callback)
// through Do without counting it against the service.
type callerError struct{ err error }

func (c callerError) Error() string { return c.err.Error() }
