// Package server runs an http.Server for GSign's handler: sane timeouts,
// listening separately from serving (so callers can bind port 0), and a
// graceful shutdown when the context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts. Reads and writes are generous enough for a 50 MB upload or
// download over a slow link; headers must arrive quickly.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 5 * time.Minute
	WriteTimeout      = 5 * time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout is how long in-flight requests get to finish once the
	// context ends.
	ShutdownTimeout = 30 * time.Second
)

// Server is an http.Server with GSign's settings.
type Server struct {
	srv *http.Server
	log *slog.Logger
}

// New returns a Server that will serve h on addr.
func New(addr string, h http.Handler, log *slog.Logger) *Server {
	return &Server{
		log: log,
		srv: &http.Server{
			Addr:              addr,
			Handler:           h,
			ReadHeaderTimeout: ReadHeaderTimeout,
			ReadTimeout:       ReadTimeout,
			WriteTimeout:      WriteTimeout,
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
	}
}

// OnShutdown registers f to run when shutdown begins, alongside the wait
// for requests in flight: the place to end requests that would otherwise
// hold the shutdown up, such as those waiting for an envelope to change
// (which also move their write deadline past WriteTimeout, so a wait is
// never cut by it).
func (s *Server) OnShutdown(f func()) { s.srv.RegisterOnShutdown(f) }

// Listen binds the Server's address. With port 0 the system picks a free
// port; the listener's Addr tells which.
func (s *Server) Listen() (net.Listener, error) {
	addr := s.srv.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx is done, then stops accepting connections
// and waits up to ShutdownTimeout for in-flight requests. It returns nil
// after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down http server", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		s.srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
