package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/pki"
)

// selfTest runs the PKI's self-test (sign and verify, chain, a timestamp) at
// start and then every minute, and remembers the outcome for /readyz: an
// external timestamp authority is not asked on every probe.
type selfTest struct {
	pki  *pki.PKI
	log  *slog.Logger
	mu   sync.Mutex
	last error
	ran  bool
}

// run tests once and records the outcome.
func (s *selfTest) run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := s.pki.SelfTest(ctx)
	s.mu.Lock()
	changed := !s.ran || (err == nil) != (s.last == nil)
	s.last, s.ran = err, true
	s.mu.Unlock()
	if changed && err != nil {
		s.log.Error("seal self-test failed; not ready", "err", err)
	} else if changed {
		s.log.Info("seal self-test passed")
	}
	return err
}

// result is the last outcome; before the first run it runs one.
func (s *selfTest) result(ctx context.Context) error {
	s.mu.Lock()
	ran, last := s.ran, s.last
	s.mu.Unlock()
	if !ran {
		return s.run(ctx)
	}
	return last
}

// loop re-runs the self-test every interval until ctx is done.
func (s *selfTest) loop(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.run(ctx)
		}
	}
}
