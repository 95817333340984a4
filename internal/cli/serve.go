package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/api"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/ratelimit"
	gsredis "github.com/gsign/gsign/internal/redis"
	"github.com/gsign/gsign/internal/server"
	"github.com/gsign/gsign/internal/webapp"
)

func runServe(ctx context.Context, env Env, args []string) int {
	cfg, err := loadConfigWith(commandFlags("serve", env), env, args)
	if err != nil {
		return fail(env, err)
	}
	applyGCTuning(env.Getenv) // here, not in serve: tests run serve in their own process
	applyProcTuning(env.Getenv, !cfg.Postgres())
	if err := serve(ctx, cfg, env, esign.SystemClock{}, nil); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// serve runs the configured roles until ctx is done. onListen, if set, is
// told the address the API listens on (tests bind port 0).
func serve(ctx context.Context, cfg config.Config, env Env, clock esign.Clock, onListen func(addr string)) error {
	a, err := openApp(ctx, cfg, env.Stderr, clock)
	if err != nil {
		return err
	}
	defer a.Close()
	a.log.Info("starting gsign", "version", Version, "config", cfg.String(), "gomaxprocs", runtime.GOMAXPROCS(0))
	a.health.run(ctx)
	tasks := []func(context.Context) error{func(ctx context.Context) error { return a.health.loop(ctx, time.Minute) }}
	if cfg.HasRole("api") {
		srv := server.New(cfg.Addr, a.handler(), a.log)
		srv.OnShutdown(a.changes.Close) // waiting requests answer at once
		ln, err := srv.Listen()
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
		fmt.Fprintf(env.Stdout, "GSign listening on http://%s (data in %s)\n", ln.Addr(), cfg.DataDir)
		if onListen != nil {
			onListen(ln.Addr().String())
		}
		tasks = append(tasks, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	}
	switch {
	case cfg.QueueURL != "": // the job queue replaces the worker's polling
		qt, err := a.queueTasks()
		if err != nil {
			return err
		}
		tasks = append(tasks, qt...)
	case cfg.HasRole("worker"):
		tasks = append(tasks, a.runner.Run)
	}
	if cfg.HasRole("scheduler") {
		tasks = append(tasks, a.schedule)
	}
	if cfg.MetricsAddr != "" {
		mt, err := a.metricsTask(env)
		if err != nil {
			return err
		}
		tasks = append(tasks, mt)
	}
	return runAll(ctx, tasks)
}

// runAll runs tasks until ctx is done or one fails; then it cancels the rest
// and waits for them.
func runAll(ctx context.Context, tasks []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t(ctx); err != nil {
				once.Do(func() { first = err })
				cancel()
			}
		}()
	}
	wg.Wait()
	return first
}

// schedule runs periodic housekeeping: expiring envelopes, reminders and
// expiry warnings, purging old
// idempotency keys and leftovers of interrupted blob writes.
func (a *app) schedule(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.ExpiryInterval)
	defer tick.Stop()
	lastPurge := time.Time{}
	for {
		if n, err := a.svc.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("expire envelopes", "err", err)
		} else if n > 0 {
			a.log.Info("expired envelopes", "count", n)
		}
		a.remind(ctx)
		if time.Since(lastPurge) > time.Hour {
			a.housekeep(ctx)
			lastPurge = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// remind enqueues due reminders and expiry warnings. Two schedulers may
// run it at once: each one is decided under its envelope's lock.
func (a *app) remind(ctx context.Context) {
	if n, err := a.svc.RemindDue(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("send reminders", "err", err)
	} else if n > 0 {
		a.log.Info("sent reminders", "count", n)
	}
	if n, err := a.svc.WarnExpiring(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("send expiry warnings", "err", err)
	} else if n > 0 {
		a.log.Info("sent expiry warnings", "count", n)
	}
}

func (a *app) housekeep(ctx context.Context) {
	err := a.db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.PurgeIdempotency(ctx, tx.Now())
		return err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Error("purge idempotency keys", "err", err)
	}
	if _, err := a.svc.PurgeSignIn(ctx); err != nil && ctx.Err() == nil {
		a.log.Error("purge sign-in state", "err", err)
	}
	if d, ok := a.blobs.(interface{ CleanTemp(time.Duration) error }); ok {
		if err := d.CleanTemp(time.Hour); err != nil {
			a.log.Error("clean blob temp files", "err", err)
		}
	}
}

// metricsTask listens on GSIGN_METRICS_ADDR and returns the task that
// serves the Prometheus metrics there.
func (a *app) metricsTask(env Env) (func(context.Context) error, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	if a.cfg.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	srv := server.New(a.cfg.MetricsAddr, mux, a.log)
	ln, err := srv.Listen()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	fmt.Fprintf(env.Stdout, "GSign metrics on http://%s/metrics\n", ln.Addr())
	return func(ctx context.Context) error { return srv.Serve(ctx, ln) }, nil
}

func (a *app) handler() http.Handler {
	limits := apiRateLimits(a.cfg)
	c := api.Config{MaxUploadBytes: a.cfg.MaxUploadBytes, TrustProxyHeaders: a.cfg.TrustProxy, Ready: a.ready, TempDir: a.tempDir(),
		Mounts: a.pkiMounts(), RateLimits: &limits, Changes: a.changes}
	c.WebApp = webapp.Dist()
	if a.redis != nil {
		c.Limiter = gsredis.NewLimiter(a.redis)
		c.IdempotencyCache = gsredis.NewIdempotencyCache(a.redis)
	}
	return api.New(c, a.svc, a.db, a.log)
}

// apiRateLimits turns the configured requests per minute, and failed
// sign-ins per hour, into the API's limits.
func apiRateLimits(cfg config.Config) api.RateLimits {
	rl := cfg.RateLimits
	return api.RateLimits{Auth: ratelimit.PerMinute(rl.Auth), API: ratelimit.PerMinute(rl.API),
		Signing: ratelimit.PerMinute(rl.Signing), Public: ratelimit.PerMinute(rl.Public), Guesses: ratelimit.PerMinute(rl.Guesses),
		AuthFailures: ratelimit.Limit{Rate: cfg.SignIn.FailuresPerAddress, Period: time.Hour}}
}

// ready is the readiness probe: the database answers and the seal's last
// self-test passed.
func (a *app) ready(ctx context.Context) error {
	err := a.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.JobsByStatus(ctx, esign.JobDead, 1)
		return err
	})
	if err != nil {
		return err
	}
	return a.health.result(ctx)
}

// pkiMounts publishes the root certificate and CRL (validators fetch the
// CRL from the URL in the certificates) and the built-in timestamp authority.
func (a *app) pkiMounts() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /pki/root.pem": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-pem-file")
			w.Write(a.pki.RootPEM())
		}),
		"GET /pki/root.crl": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			crl, err := a.pki.CRL(r.Context())
			if err != nil {
				a.log.Error("serve CRL", "err", err)
				http.Error(w, "CRL unavailable", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-crl")
			w.Write(crl)
		}),
		"POST /pki/tsa": a.pki.TSAHandler(),
	}
}

// tempDir is where keyed uploads are spooled: inside the data folder, so
// large uploads do not fill a small /tmp.
func (a *app) tempDir() string {
	dir := filepath.Join(a.cfg.DataDir, "tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		a.log.Warn("create temp folder; using the system's", "err", err)
		return ""
	}
	return dir
}
