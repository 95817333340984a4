package cli

import (
	"log/slog"
	"path/filepath"

	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/metrics"
	"github.com/gsign/gsign/internal/sms"
)

// newBreakers makes the process's circuit breakers and the metrics that
// report them: every state change is logged and counted.
func newBreakers(cfg config.Config, store esign.Store, log *slog.Logger) (*breaker.Set, *metrics.Metrics) {
	var m *metrics.Metrics
	set := breaker.NewSet(breaker.Settings{Failures: uint32(cfg.BreakerFailures), OpenFor: cfg.BreakerOpenFor,
		OnStateChange: func(name string, from, to breaker.State) {
			log.Warn("circuit breaker changed state", "name", name, "from", from.String(), "to", to.String())
			m.BreakerChanged(name, from.String(), to.String())
		}})
	m = metrics.New(metrics.Sources{Store: store, Log: log, Breakers: func() []metrics.BreakerState {
		var out []metrics.BreakerState
		for _, s := range set.States() {
			out = append(out, metrics.BreakerState{Name: s.Name, State: int(s.State)})
		}
		return out
	}})
	return set, m
}

// openSMS opens the SMS provider of GSIGN_SMS_URL (log://: files in
// <data>/sms), called through the "sms" circuit breaker.
func (a *app) openSMS() (esign.SMSSender, error) {
	s, err := sms.OpenURL(a.cfg.SMSURL, sms.Options{Dir: filepath.Join(a.cfg.DataDir, "sms"), Log: a.log, LogLinks: a.cfg.MailLogLinks})
	if err != nil {
		return nil, err
	}
	return &breaker.Sender[esign.SMS]{Next: s, Breaker: a.breakers.Get("sms")}, nil
}
