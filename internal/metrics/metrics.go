// Package metrics exposes GSign's Prometheus metrics: circuit breaker
// states and changes, and the outbox's depth, read from the store on each
// scrape. It is served on a listener of its own (GSIGN_METRICS_ADDR),
// meant for the internal network only.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gsign/gsign/internal/esign"
)

// BreakerState is one circuit breaker's state: 0 closed, 1 half-open, 2 open.
type BreakerState struct {
	Name  string
	State int
}

// Sources are what a scrape reads.
type Sources struct {
	// Breakers returns every breaker's current state.
	Breakers func() []BreakerState
	// Store answers the outbox depth query.
	Store esign.Store
	Log   *slog.Logger
}

// Metrics is GSign's metric registry.
type Metrics struct {
	reg     *prometheus.Registry
	changes *prometheus.CounterVec
}

// New returns the registry, with the Go runtime and process collectors.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), changes: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gsign_circuit_breaker_state_changes_total",
		Help: "Circuit breaker state changes, by breaker and the state it changed to.",
	}, []string{"name", "from", "to"})}
	m.reg.MustRegister(m.changes, &collector{src: src},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// BreakerChanged counts a breaker's state change.
func (m *Metrics) BreakerChanged(name, from, to string) {
	m.changes.WithLabelValues(name, from, to).Inc()
}

// Handler serves the metrics in the Prometheus text format. A failed outbox
// query leaves its metrics out and still serves the others.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second})
}

var (
	breakerDesc = prometheus.NewDesc("gsign_circuit_breaker_state",
		"Circuit breaker state: 0 closed, 1 half-open, 2 open.", []string{"name"}, nil)
	outboxDesc = prometheus.NewDesc("gsign_outbox_jobs",
		"Outbox jobs that are pending, running or dead, by kind and status.", []string{"kind", "status"}, nil)
)

// collector reads breaker states and the outbox depth on each scrape.
type collector struct{ src Sources }

// Describe sends the descriptions of the collector's metrics.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- breakerDesc
	ch <- outboxDesc
}

// Collect reads the current values: one grouped, indexed query for the
// outbox, bounded to 5 seconds.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Breakers != nil {
		for _, b := range c.src.Breakers() {
			ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, float64(b.State), b.Name)
		}
	}
	if c.src.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var counts []*esign.JobCount
	err := c.src.Store.View(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
		counts, err = tx.JobCounts(ctx)
		return err
	})
	if err != nil {
		c.src.Log.Error("metrics: count outbox jobs", "err", err)
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for _, j := range counts {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(j.Count), j.Kind, string(j.Status))
	}
}
