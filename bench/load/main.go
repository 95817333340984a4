// Command load drives envelopes end to end through a running gsign server
// and reports how many complete, sealed envelopes it got per second and
// the latency of every kind of request.
//
//	go run ./bench/load -url http://127.0.0.1:8080 -n 1000 -c 32
//
// It registers a fresh account, then runs -n envelope flows on -c workers.
// One flow creates an envelope, uploads a one-page PDF, adds three signers
// at routing order 1 with one signature field each and sends it; the three
// signers then sign in parallel over embedded signing URLs; last, the
// worker polls the envelope until it is completed and its sealed result is
// ready, and for every 50th envelope downloads the combined PDF. A worker
// takes the next envelope only when its last one is sealed, so at most -c
// envelopes are in flight (a closed loop).
//
// Every non-2xx answer is an error: counted by request kind, the first few
// printed to standard error, and the envelope counted as failed. The exit
// status is 1 if any envelope failed.
//
// Throughput is the number of sealed envelopes divided by the time from the
// first request (after registering) to the last envelope seen sealed.
// Latency percentiles are exact, from every sample. The sealing lag is the
// time from an envelope's last signer's completion to the first poll that
// saw its result ready; the pause between polls grows by half each time, up
// to -poll-max, so the lag is over-stated by at most a third or -poll-max.
//
// With -flow compact, one request creates, fills and sends the envelope,
// each signer fills and completes in one request, and the sender waits for
// the result with a GET the server holds until the envelope changes
// (compact.go); its "wait" requests are left out of the "all" latency,
// since they last as long as the envelope takes by design.
//
// The program uses only the standard library and none of gsign's packages,
// so that it builds while the server's packages are mid-change.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"time"
)

// options are the command-line flags.
type options struct {
	url         string
	n, c        int
	pdfPath     string
	json        bool
	sampleEvery int
	pollMax     time.Duration
	sealTimeout time.Duration
	timeout     time.Duration
	embedded    bool
	composeURLs bool
	flow        string
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the gsign server")
	flag.IntVar(&o.n, "n", 1000, "envelopes to drive end to end")
	flag.IntVar(&o.c, "c", 32, "concurrent envelope flows (workers)")
	flag.StringVar(&o.pdfPath, "pdf", "", "PDF to upload (default: a generated one-page PDF)")
	flag.BoolVar(&o.json, "json", false, "print the report as JSON instead of a table")
	flag.IntVar(&o.sampleEvery, "sample-every", 50, "download and check the combined PDF of every Nth envelope (0: never)")
	flag.DurationVar(&o.pollMax, "poll-max", 250*time.Millisecond, "longest pause between polls for the sealed result")
	flag.DurationVar(&o.sealTimeout, "seal-timeout", 5*time.Minute, "how long an envelope may take from its last signature to sealed")
	flag.DurationVar(&o.timeout, "timeout", time.Minute, "timeout of one HTTP request")
	flag.BoolVar(&o.embedded, "embedded", false, "make the signers embedded recipients, whom GSign sends no email")
	flag.BoolVar(&o.composeURLs, "compose-urls", true, "with -flow compact -embedded, take the signing URLs from the create request's answer (signing_urls); false asks for each (a gsign from before 5 December 2026 refuses signing_urls)")
	flag.StringVar(&o.flow, "flow", "steps", "steps: 21 requests and polls per envelope; compact: one request creates and sends, one per signer fills and completes, and a waiting GET instead of polls")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := realMain(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, o options) error {
	if o.n < 1 || o.c < 1 {
		return errors.New("-n and -c must be at least 1")
	}
	if o.flow != "steps" && o.flow != "compact" {
		return fmt.Errorf("-flow must be steps or compact, not %q", o.flow)
	}
	doc, err := loadPDF(o.pdfPath)
	if err != nil {
		return err
	}
	rec := newRecorder(os.Stderr)
	cl := newClient(o.url, o.c, o.timeout, rec)
	if err := cl.register(ctx); err != nil {
		return err
	}
	rec.reset() // registration is not part of the run
	outs := runFlows(ctx, o, cl, doc)
	rep := newReport(o, rec, outs)
	if err := rep.print(os.Stdout, o.json); err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d envelopes failed", rep.Failed, o.n)
	}
	return nil
}

// loadPDF reads the PDF to upload, or generates a one-page one.
func loadPDF(path string) ([]byte, error) {
	if path == "" {
		return onePagePDF(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read -pdf: %w", err)
	}
	return b, nil
}

// runFlows runs o.n envelope flows on o.c workers and returns their outcomes.
func runFlows(ctx context.Context, o options, cl *client, doc []byte) []outcome {
	jobs := make(chan int)
	outs := make([]outcome, o.n)
	var wg sync.WaitGroup
	for range o.c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := &flow{c: cl, pdf: doc, index: i, pollMax: o.pollMax, sealTimeout: o.sealTimeout, embedded: o.embedded, compact: o.flow == "compact", composeURLs: o.composeURLs,
					download: o.sampleEvery > 0 && i%o.sampleEvery == 0}
				outs[i] = f.run(ctx)
			}
		}()
	}
	for i := range o.n {
		if ctx.Err() != nil {
			outs[i].err = ctx.Err()
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return outs
}
