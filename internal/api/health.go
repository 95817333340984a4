package api

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the readiness probe, so a hung database answers 503
// rather than hanging the prober.
const readyTimeout = 5 * time.Second

// healthz answers while the process serves HTTP at all.
func (a *api) healthz(w http.ResponseWriter, r *http.Request) error {
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ok"))
	return nil
}

// readyz answers 200 once the process can serve requests (Config.Ready).
func (a *api) readyz(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := a.cfg.Ready(ctx); err != nil {
			a.log.WarnContext(r.Context(), "not ready", "err", err)
			a.writeProblem(w, r, http.StatusServiceUnavailable, codeNotReady, "the server is not ready to serve requests", nil)
			return nil
		}
	}
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ok"))
	return nil
}
