package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// printErrors is how many failed requests are printed as they happen.
const printErrors = 5

// recorder keeps every request's latency by kind, and counts failures.
type recorder struct {
	mu          sync.Mutex
	out         io.Writer // where the first failures are printed
	samples     map[string][]time.Duration
	errors      map[string]int
	first, last time.Time // the first request's start, the last answer's end
	printed     int
}

func newRecorder(out io.Writer) *recorder {
	r := &recorder{out: out}
	r.reset()
	return r
}

// reset forgets everything recorded so far.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples, r.errors = map[string][]time.Duration{}, map[string]int{}
	r.first, r.last, r.printed = time.Time{}, time.Time{}, 0
}

// ok records a request answered with 2xx.
func (r *recorder) ok(kind string, start, end time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.span(start, end)
	r.samples[kind] = append(r.samples[kind], end.Sub(start))
}

// fail counts a failed request and prints the first few.
func (r *recorder) fail(kind string, start time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.span(start, time.Now())
	r.errors[kind]++
	if r.printed < printErrors {
		r.printed++
		fmt.Fprintf(r.out, "load: request failed: %s\n", truncate(err.Error(), 600))
	}
}

func (r *recorder) span(start, end time.Time) {
	if r.first.IsZero() || start.Before(r.first) {
		r.first = start
	}
	if end.After(r.last) {
		r.last = end
	}
}
