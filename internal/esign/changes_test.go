package esign_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// changed reports whether w was told of a change since last asked.
func changed(w *esign.EnvelopeWatch) bool {
	select {
	case <-w.Changed():
		return true
	default:
		return false
	}
}

// TestEnvelopeChangesHub: a watch hears of its envelope only, changes
// collapse into one wake-up, Stop forgets the watch, and Close ends every
// watch, present and future.
func TestEnvelopeChangesHub(t *testing.T) {
	hub := esign.NewEnvelopeChanges()
	a, a2, b := hub.Watch("env_a"), hub.Watch("env_a"), hub.Watch("env_b")
	if n := hub.Watchers(); n != 3 {
		t.Fatalf("%d watchers, want 3", n)
	}
	hub.Publish("env_a", "env_c")
	hub.Publish("env_a")
	if !changed(a) || !changed(a2) || changed(b) {
		t.Error("env_a's watches were not both told, or env_b's was")
	}
	if changed(a) {
		t.Error("two changes woke a watch twice")
	}
	a.Stop()
	a.Stop()
	if n := hub.Watchers(); n != 2 {
		t.Errorf("%d watchers after a stop, want 2", n)
	}
	hub.Close()
	hub.Close()
	late := hub.Watch("env_a")
	for _, w := range []*esign.EnvelopeWatch{a2, b, late} {
		select {
		case <-w.Closed():
		default:
			t.Error("a watch is not closed after Close")
		}
	}
	late.Stop()
	a2.Stop()
	b.Stop()
	if n := hub.Watchers(); n != 0 {
		t.Errorf("%d watchers after every stop", n)
	}
}

// TestNotifyChanges: the store publishes the envelopes a committed
// transaction wrote, at each step of signing and when the seal is ready;
// a failed transaction and a read publish nothing.
func TestNotifyChanges(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	hub := esign.NewEnvelopeChanges()
	h.svc.Store = esign.NotifyChanges(h.db, hub)
	p := h.register("olive@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	id := d.Envelope.ID
	w := hub.Watch(id)
	defer w.Stop()

	_, err := h.svc.GetEnvelope(ctx, p, id)
	must(t, err)
	failed := h.svc.Store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		e, err := tx.LockEnvelope(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.UpdateEnvelope(ctx, e); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if failed == nil || changed(w) {
		t.Fatalf("a read or a rolled back write was published (%v)", failed)
	}
	tok := h.openAs("ana@example.com")
	if !changed(w) {
		t.Error("opening (viewed) was not published")
	}
	_, err = h.svc.CompleteWithFields(ctx, tok, esign.FieldFills{fields["ana@example.com"].ID: typed("Ana")})
	must(t, err)
	if !changed(w) {
		t.Error("signing was not published")
	}
	for _, j := range pendingJobs(t, h) { // the seal alone, not the emails that also change the envelope
		if j.Kind == esign.JobFinalize {
			must(t, h.svc.HandleJob(ctx, j))
		}
	}
	if !changed(w) {
		t.Error("the sealed result was not published")
	}
	got, err := h.svc.GetEnvelope(ctx, p, id)
	must(t, err)
	if got.Envelope.ResultStatus != esign.ResultReady {
		t.Errorf("result %s", got.Envelope.ResultStatus)
	}
}

func pendingJobs(t *testing.T, h *harness) []*esign.Job {
	t.Helper()
	var jobs []*esign.Job
	must(t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		jobs, err = tx.JobsByStatus(ctx, esign.JobPending, 100)
		return err
	}))
	return jobs
}
