package api

import (
	"errors"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/breaker"
)

// TestOpenBreakerIs503: while the file store's breaker is open, an upload
// is answered at once with a 503 dependency_unavailable problem and a
// Retry-After of the breaker's open period; nothing is recorded.
func TestOpenBreakerIs503(t *testing.T) {
	e := newEnv(t)
	b := breaker.NewSet(breaker.Settings{Failures: 1, OpenFor: 42 * time.Second}).Get("s3")
	_ = b.Do(func() error { return errors.New("connection refused") })
	e.svc.Blobs = &breaker.Blobs{Next: blob.NewMemory(), Breaker: b}
	token := e.register("olive@example.com")
	created := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]any{"name": "Lease"}}), 201, "")
	base := "/api/v1/envelopes/" + decode[envelopeResponse](t, created).ID
	w := e.expect(e.do(req{method: "POST", path: base + "/documents", token: token, body: pdfUpload("file", "lease.pdf", testPDF)}), 503, "dependency_unavailable")
	if got := w.Header().Get("Retry-After"); got != "42" {
		t.Fatalf("Retry-After %q, want 42", got)
	}
	got := decode[envelopeDetailResponse](t, e.expect(e.do(req{method: "GET", path: base, token: token}), 200, ""))
	if len(got.Documents) != 0 {
		t.Fatalf("%d documents recorded by a refused upload", len(got.Documents))
	}
}
