package breaker_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pki"
)

// TestTSABreaker: a timestamp authority answering 500 opens the "tsa"
// breaker; the sealer's next calls fail fast without reaching it.
func TestTSABreaker(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "overloaded", http.StatusInternalServerError)
	}))
	defer ts.Close()
	b := breaker.NewSet(breaker.Settings{Failures: 2, OpenFor: time.Minute}).Get("tsa")
	tsa := &breaker.TSA{Next: &pki.HTTPTimestamper{URL: ts.URL}, Breaker: b}
	digest := sha256.Sum256([]byte("document"))
	for range 4 {
		if _, err := tsa.Timestamp(context.Background(), digest[:], crypto.SHA256); err == nil {
			t.Fatal("timestamp from a failing TSA succeeded")
		}
	}
	if hits.Load() != 2 || b.State() != breaker.Open {
		t.Fatalf("TSA saw %d requests, breaker %s; want 2 and open", hits.Load(), b.State())
	}
	_, err := tsa.Timestamp(context.Background(), digest[:], crypto.SHA256)
	if !esign.IsKind(err, esign.KindUnavailable) {
		t.Fatalf("while open: %v, want unavailable", err)
	}
}

// TestBlobsBreaker: missing blobs are answers, not failures; the wrapped
// store still stores and reads, and an error from the caller's List
// callback is returned as it is without counting against the store.
func TestBlobsBreaker(t *testing.T) {
	ctx := context.Background()
	b := breaker.NewSet(breaker.Settings{Failures: 1, OpenFor: time.Minute}).Get("s3")
	s := &breaker.Blobs{Next: blob.NewMemory(), Breaker: b}
	for range 3 {
		if _, err := s.Open(ctx, "documents/missing.pdf"); !esign.IsKind(err, esign.KindNotFound) {
			t.Fatalf("open missing: %v, want not found", err)
		}
		if _, err := s.Stat(ctx, "documents/missing.pdf"); !esign.IsKind(err, esign.KindNotFound) {
			t.Fatalf("stat missing: %v, want not found", err)
		}
	}
	if _, err := s.Put(ctx, "documents/a.pdf", strings.NewReader("%PDF")); err != nil {
		t.Fatal(err)
	}
	stop := esign.Errorf(esign.KindInternal, "stop", "caller stops")
	if err := s.List(ctx, "documents/", func(esign.BlobInfo) error { return stop }); err != stop {
		t.Fatalf("list: %v, want the callback's error", err)
	}
	if err := s.Delete(ctx, "documents/a.pdf"); err != nil {
		t.Fatal(err)
	}
	if b.State() != breaker.Closed {
		t.Fatalf("breaker %s, want closed", b.State())
	}
}

// inProcessTSA is a timestamper that says it makes its tokens in process.
type inProcessTSA struct{ pki.HTTPTimestamper }

func (*inProcessTSA) InProcess() bool { return true }

// TestTSAInProcess: the breaker says what the authority behind it says.
func TestTSAInProcess(t *testing.T) {
	b := breaker.NewSet(breaker.Settings{Failures: 2, OpenFor: time.Minute}).Get("tsa")
	if (&breaker.TSA{Next: &pki.HTTPTimestamper{URL: "http://tsa.example"}, Breaker: b}).InProcess() {
		t.Error("an outside authority reported in process")
	}
	if !(&breaker.TSA{Next: &inProcessTSA{}, Breaker: b}).InProcess() {
		t.Error("an in-process authority reported outside")
	}
}
