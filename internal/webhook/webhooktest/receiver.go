// Package webhooktest has a loopback webhook receiver for tests, which
// verifies every delivery with the Standard Webhooks reference library, an
// implementation that shares no code with GSign's.
package webhooktest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Loopback is the allow-list under which a webhook client may reach a
// Receiver.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// Request is one request a Receiver got.
type Request struct {
	Header http.Header
	Body   []byte
	At     time.Time // wall-clock time of arrival
}

// ID is the request's webhook-id.
func (r Request) ID() string { return r.Header.Get("webhook-id") }

// Receiver is a webhook receiver on loopback. Every request must verify
// with one of its secrets, or the test fails.
type Receiver struct {
	URL string

	t   testing.TB
	srv *httptest.Server

	mu      sync.Mutex
	secrets []string
	strict  bool
	status  func(n int) int
	delay   time.Duration
	got     []Request
}

// NewReceiver starts a receiver that answers 204 and checks timestamps
// against the wall clock too (see IgnoreTimestamps).
func NewReceiver(t testing.TB, secrets ...string) *Receiver {
	r := &Receiver{t: t, secrets: secrets, strict: true, status: func(int) int { return http.StatusNoContent }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	t.Cleanup(r.srv.Close)
	return r
}

// SetSecrets replaces the secrets deliveries must verify with.
func (r *Receiver) SetSecrets(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = secrets
}

// IgnoreTimestamps skips the reference library's 5-minute freshness check,
// for tests whose clock is not the wall clock. The timestamp stays signed.
func (r *Receiver) IgnoreTimestamps() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.strict = false
}

// Answer makes the receiver answer the n-th request (from 1) with status(n).
func (r *Receiver) Answer(status func(n int) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// Hang makes the receiver wait d before it answers.
func (r *Receiver) Hang(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, Request{Header: req.Header.Clone(), Body: body, At: time.Now()})
	n := len(r.got)
	if err := r.verify(body, req.Header); err != nil {
		r.t.Errorf("webhook delivery %d (%s) does not verify: %v", n, req.Header.Get("webhook-id"), err)
	}
	status, delay := r.status(n), r.delay
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, "answer "+strconv.Itoa(status))
}

// verify accepts the message if any of the receiver's secrets verifies it.
func (r *Receiver) verify(body []byte, h http.Header) error {
	var err error
	for _, s := range r.secrets {
		wh, e := standardwebhooks.NewWebhook(s)
		if e != nil {
			return e
		}
		if r.strict {
			err = wh.Verify(body, h)
		} else {
			err = wh.VerifyIgnoringTimestamp(body, h)
		}
		if err == nil {
			return nil
		}
	}
	return err
}

// Verify checks a message with secret as a receiver would, timestamp
// included unless IgnoreTimestamps was called.
func (r *Receiver) Verify(secret string, body []byte, h http.Header) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	saved := r.secrets
	r.secrets = []string{secret}
	defer func() { r.secrets = saved }()
	return r.verify(body, h)
}

// Requests returns the requests so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.got...)
}
