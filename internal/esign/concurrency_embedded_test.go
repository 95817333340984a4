package esign_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// TestConcurrentOpenSameEmbeddedURL: an embedded signing URL opened by
// many requests at once is exchanged for a session once; the others wait
// for the envelope's lock, find it used, and are told so (410), as one
// opening it after the fact is.
func TestConcurrentOpenSameEmbeddedURL(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, err := h.svc.Compose(ctx, p, compactInput(), docs(esigntest.PDF(1, 612, 792)))
	must(t, err)
	u := d.SigningURLs[0].URL
	raw := u[strings.LastIndex(u, "/")+1:]
	var mu sync.Mutex
	var sessions []string
	ok, errs := race(16, func() error {
		v, err := h.svc.OpenSigning(ctx, raw)
		if err == nil {
			mu.Lock()
			sessions = append(sessions, v.SessionToken)
			mu.Unlock()
		}
		return err
	})
	if ok != 1 || len(sessions) != 1 || sessions[0] == "" {
		t.Fatalf("%d opens succeeded with sessions %q, want exactly 1 (errors: %v)", ok, sessions, errs[:min(3, len(errs))])
	}
	for _, err := range errs {
		wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
	}
	if n := countAudit(t, h, p, d.Envelope.ID, esign.AuditViewed); n != 1 {
		t.Fatalf("%d viewed events, want 1", n)
	}
	_, err = h.svc.OpenSigning(ctx, sessions[0])
	must(t, err)
}
