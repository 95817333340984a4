package esign_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// race runs fn from n goroutines released at once and counts successes.
func race(n int, fn func() error) (ok int64, errs []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	var okN atomic.Int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			okN.Add(1)
		}()
	}
	close(start)
	wg.Wait()
	return okN.Load(), errs
}

func TestConcurrentFillSameField(t *testing.T) {
	h := newHarness(t)
	p := h.register("sender@example.com")
	_, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	tok := h.openAs("a@example.com")
	ok, errs := race(64, func() error {
		_, err := h.svc.FillField(context.Background(), tok, fields["a@example.com"].ID, typed("Ana A"))
		return err
	})
	if ok != 1 {
		t.Fatalf("%d fills succeeded, want exactly 1", ok)
	}
	for _, err := range errs {
		wantCode(t, err, esign.KindConflict, esign.CodeFieldFilled)
	}
	sigs := countSignatures(t, h, fields["a@example.com"].EnvelopeID)
	if sigs != 1 {
		t.Fatalf("%d signatures stored, want 1", sigs)
	}
}

func TestConcurrentCompleteSameRecipient(t *testing.T) {
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 2})
	tok := h.openAs("a@example.com")
	_, err := h.svc.FillField(context.Background(), tok, fields["a@example.com"].ID, typed("Ana A"))
	must(t, err)
	ok, errs := race(64, func() error {
		_, err := h.svc.CompleteRecipient(context.Background(), tok)
		return err
	})
	if ok != 1 {
		t.Fatalf("%d completions succeeded, want exactly 1 (errors: %v)", ok, errs[:min(3, len(errs))])
	}
	for _, err := range errs {
		wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
	}
	if n := countAudit(t, h, p, d.Envelope.ID, esign.AuditSigned); n != 1 {
		t.Fatalf("%d signed events, want 1", n)
	}
}

// TestLastSignersFinishTogether: the two signers of the last, parallel group
// complete at the same moment; the envelope completes exactly once.
func TestLastSignersFinishTogether(t *testing.T) {
	for i := 0; i < 5; i++ {
		h := newHarness(t)
		p := h.register("sender@example.com")
		d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
		toks := map[string]string{}
		for _, who := range []string{"a@example.com", "b@example.com"} {
			toks[who] = h.openAs(who)
			_, err := h.svc.FillField(context.Background(), toks[who], fields[who].ID, typed("Signer "+who))
			must(t, err)
		}
		var mu sync.Mutex
		who := []string{"a@example.com", "b@example.com"}
		next := 0
		ok, errs := race(2, func() error {
			mu.Lock()
			w := who[next]
			next++
			mu.Unlock()
			_, err := h.svc.CompleteRecipient(context.Background(), toks[w])
			return err
		})
		if ok != 2 || len(errs) != 0 {
			t.Fatalf("both signers should succeed: ok=%d errs=%v", ok, errs)
		}
		got, err := h.svc.GetEnvelope(context.Background(), p, d.Envelope.ID)
		must(t, err)
		if got.Envelope.Status != esign.StatusCompleted {
			t.Fatalf("status %s, want completed", got.Envelope.Status)
		}
		if n := countAudit(t, h, p, d.Envelope.ID, esign.AuditCompleted); n != 1 {
			t.Fatalf("completed %d times, want once", n)
		}
	}
}

func countAudit(t *testing.T, h *harness, p *esign.Principal, envelopeID, typ string) int {
	t.Helper()
	rep, err := h.svc.Audit(context.Background(), p, envelopeID)
	must(t, err)
	if !rep.Verified {
		t.Fatalf("audit chain broken: %+v", rep.Problem)
	}
	n := 0
	for _, e := range rep.Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func countSignatures(t *testing.T, h *harness, envelopeID string) int {
	t.Helper()
	var n int
	err := h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		sigs, err := tx.SignaturesByEnvelope(ctx, envelopeID)
		n = len(sigs)
		return err
	})
	must(t, err)
	return n
}
