package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// kinds are the request kinds in the order of a flow.
var kinds = []string{"compose", "create", "upload", "recipient", "field", "send", "signing_url", "open", "fill", "complete", "poll", "wait", "download"}

// report is the outcome of a run; it is printed as a table or as JSON.
type report struct {
	Envelopes          int            `json:"envelopes"`
	Concurrency        int            `json:"concurrency"`
	Sealed             int            `json:"sealed"`
	Failed             int            `json:"failed"`
	WallSeconds        float64        `json:"wall_seconds"` // first request to last envelope sealed
	EnvelopesPerSecond float64        `json:"envelopes_per_second"`
	Requests           int            `json:"requests"`
	RequestErrors      map[string]int `json:"request_errors"`
	RequestsPerSecond  float64        `json:"requests_per_second"`
	Latency            []stats        `json:"latency_ms"`       // per kind, then "all"
	SealingLag         stats          `json:"sealing_lag_ms"`   // last completion to seen sealed
	EnvelopeTime       stats          `json:"envelope_time_ms"` // first request to seen sealed
	FirstErrors        []string       `json:"first_errors,omitempty"`
}

// stats are exact order statistics of durations, in milliseconds.
type stats struct {
	Name  string  `json:"name,omitempty"`
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func newReport(o options, rec *recorder, outs []outcome) *report {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	r := &report{Envelopes: o.n, Concurrency: o.c, RequestErrors: rec.errors}
	var lags, totals []time.Duration
	end := rec.last
	for _, out := range outs {
		if out.err != nil {
			r.Failed++
			if len(r.FirstErrors) < printErrors {
				r.FirstErrors = append(r.FirstErrors, truncate(out.err.Error(), 600))
			}
			continue
		}
		r.Sealed++
		lags = append(lags, out.sealed.Sub(out.lastComplete))
		totals = append(totals, out.sealed.Sub(out.start))
	}
	if r.Sealed == r.Envelopes {
		end = slices.MaxFunc(outs, func(a, b outcome) int { return a.sealed.Compare(b.sealed) }).sealed
	}
	wall := end.Sub(rec.first).Seconds()
	r.WallSeconds, r.EnvelopesPerSecond = wall, float64(r.Sealed)/wall
	var all []time.Duration
	waits := len(rec.samples["wait"])
	for _, k := range kinds {
		if k != "wait" { // held by design until the envelope changes
			all = append(all, rec.samples[k]...)
		}
		if len(rec.samples[k]) > 0 {
			r.Latency = append(r.Latency, statsOf(k, rec.samples[k]))
		}
	}
	r.Latency = append(r.Latency, statsOf("all", all))
	r.Requests = len(all) + waits
	for _, n := range rec.errors {
		r.Requests += n
	}
	r.RequestsPerSecond = float64(r.Requests) / rec.last.Sub(rec.first).Seconds()
	r.SealingLag, r.EnvelopeTime = statsOf("", lags), statsOf("", totals)
	return r
}

// statsOf sorts ds and picks percentiles by nearest rank.
func statsOf(name string, ds []time.Duration) stats {
	s := stats{Name: name, Count: len(ds)}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(ds)))) - 1
		return ms(ds[max(i, 0)])
	}
	s.P50, s.P90, s.P99, s.Max = at(50), at(90), at(99), ms(ds[len(ds)-1])
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *report) print(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	errs := 0
	for _, n := range r.RequestErrors {
		errs += n
	}
	fmt.Fprintf(w, "envelopes    %d (%d sealed, %d failed), %d concurrent flows, 3 signers each\n", r.Envelopes, r.Sealed, r.Failed, r.Concurrency)
	fmt.Fprintf(w, "wall time    %.3f s, first request to last envelope sealed\n", r.WallSeconds)
	fmt.Fprintf(w, "throughput   %.1f envelopes/s sealed, %.0f API requests/s (%d requests, %d failed)\n", r.EnvelopesPerSecond, r.RequestsPerSecond, r.Requests, errs)
	fmt.Fprintf(w, "\n%-12s %7s %9s %9s %9s %9s\n", "latency", "count", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, s := range r.Latency {
		s.row(w, s.Name)
	}
	fmt.Fprintln(w)
	r.SealingLag.row(w, "sealing lag")
	r.EnvelopeTime.row(w, "envelope")
	fmt.Fprintf(w, "\nsealing lag = from the last signer's completion to the first poll that saw the result ready;\nenvelope = from the envelope's first request to the same poll.\n")
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, "failed: %s\n", e)
	}
	return nil
}

func (s stats) row(w io.Writer, name string) {
	fmt.Fprintf(w, "%-12s %7d %9.1f %9.1f %9.1f %9.1f\n", name, s.Count, s.P50, s.P90, s.P99, s.Max)
}
