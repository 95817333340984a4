// Package api is GSign's JSON HTTP API and the minimal signing page: one
// route table, one file per resource, request and response types of its own,
// and one mapping from domain errors to RFC 9457 problem responses.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
)

// Config holds the API's tunables.
type Config struct {
	// MaxUploadBytes bounds a document upload; zero means the Service's own limit.
	MaxUploadBytes int64
	// TrustProxyHeaders takes the client address from X-Forwarded-For's first
	// hop. Enable it only behind a proxy that sets the header.
	TrustProxyHeaders bool
	// Clock times idempotency keys; nil means the Service's clock.
	Clock esign.Clock
	// Ready is the readiness probe behind GET /readyz; nil means always ready.
	Ready func(ctx context.Context) error
	// TempDir is where an upload sent with an Idempotency-Key is spooled while
	// its hash is computed; empty means os.TempDir().
	TempDir string
	// Mounts adds handlers that are not part of the JSON API (the PKI's root
	// certificate, CRL and timestamp authority) behind the same middleware:
	// logging, panic recovery, security headers. Keys are ServeMux patterns.
	Mounts map[string]http.Handler
	// RateLimits are the request limits per class of caller; nil means
	// DefaultRateLimits().
	RateLimits *RateLimits
	// Limiter counts requests against RateLimits; nil means an in-process
	// limiter, whose counts each process keeps to itself. Give every
	// process the same shared limiter (Redis) to limit the deployment.
	Limiter Limiter
	// WebApp is the built browser app (index.html at its root), served under
	// /app/, at /verify and behind signing links; nil means the binary was
	// built without it: /app/ then says how to build it, and signing links
	// open the self-contained signing page.
	WebApp fs.FS
	// IdempotencyCache replays finished Idempotency-Key requests without
	// the database; nil means none.
	IdempotencyCache IdempotencyCache
	// Changes wakes the requests that wait for an envelope to change (GET
	// /api/v1/envelopes/{id} with Prefer: wait, envwait.go): the hub the
	// Service's store publishes to (esign.NotifyChanges). Closing it, on
	// shutdown, ends every wait. nil: waits end only by a recheck, the
	// timeout or the client.
	Changes *esign.EnvelopeChanges
	// MaxWaiters bounds the requests that wait at once; zero means
	// DefaultMaxWaiters.
	MaxWaiters int
	// WaitRecheck is how often a waiting request reads its envelope again,
	// for changes that other processes commit; zero means
	// DefaultWaitRecheck.
	WaitRecheck time.Duration
}

// api serves every route. It holds no request state.
type api struct {
	cfg   Config
	svc   *esign.Service
	store esign.Store
	log   *slog.Logger
	mux   *http.ServeMux
	// limiterLog and cacheLog keep an outage of a shared store to one log
	// line per interval.
	limiterLog, cacheLog logThrottle
	// waiting counts the requests that wait for a change (MaxWaiters).
	waiting atomic.Int64
}

// New returns the HTTP handler of the API and the signing page. store is the
// Service's store; the API uses it only for idempotency records.
func New(cfg Config, svc *esign.Service, store esign.Store, log *slog.Logger) http.Handler {
	return newAPI(cfg, svc, store, log).handler()
}

func newAPI(cfg Config, svc *esign.Service, store esign.Store, log *slog.Logger) *api {
	a := &api{cfg: withDefaults(cfg, svc), svc: svc, store: store, log: log}
	a.mux = http.NewServeMux()
	for _, rt := range a.routes() {
		if err := checkPolicy(rt); err != nil {
			panic("api: " + err.Error())
		}
		a.mux.Handle(rt.pattern, a.handle(rt))
	}
	for pattern, h := range cfg.Mounts {
		a.mux.Handle(pattern, h)
	}
	return a
}

// handler wraps the routes in the middleware every request passes through,
// outermost first: logging, panic recovery, security headers, request meta.
func (a *api) handler() http.Handler {
	var h http.Handler = http.HandlerFunc(a.dispatch)
	h = a.requestMeta(h)
	h = securityHeaders(h)
	h = a.recoverPanics(h)
	return a.logRequests(h)
}

func withDefaults(cfg Config, svc *esign.Service) Config {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = svc.Config.MaxUploadBytes
	}
	if cfg.Clock == nil {
		cfg.Clock = svc.Clock
	}
	if cfg.Clock == nil {
		cfg.Clock = esign.SystemClock{}
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.RateLimits == nil {
		limits := DefaultRateLimits()
		cfg.RateLimits = &limits
	}
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory(cfg.Clock.Now)
	}
	if cfg.MaxWaiters <= 0 {
		cfg.MaxWaiters = DefaultMaxWaiters
	}
	if cfg.WaitRecheck <= 0 {
		cfg.WaitRecheck = DefaultWaitRecheck
	}
	return cfg
}

// dispatch routes the request, answering unknown routes and wrong methods
// with problem responses instead of ServeMux's plain text.
func (a *api) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusNotFound:
		a.writeProblem(w, r, http.StatusNotFound, esign.CodeNotFound, "there is no such route", nil)
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		a.writeProblem(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed, r.Method+" is not allowed here; allowed: "+probe.header.Get("Allow"), nil)
	default: // a redirect to the cleaned path
		a.mux.ServeHTTP(w, r)
	}
}

// statusProbe captures what ServeMux's fallback handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }

func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }

func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
