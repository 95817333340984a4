package esign_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/jobs"
)

// TestMailJobWriteTransactions counts the write transactions of each mail
// job of an envelope's life, its claim included: the claim and one more
// (the audit record with the job's end) for an email that stores nothing,
// and one more again for one that stores a token (a signing link, or a
// link to results too large to attach), composed under the envelope's
// lock. Each job ends done, with its audit record. The finalize job too
// takes its claim and one more: the results recorded with the job's end.
func TestMailJobWriteTransactions(t *testing.T) {
	tests := []struct {
		name        string
		attachLimit int64 // AttachMaxBytes; 1 links every result
		want        map[string]int64
	}{
		{"results attached", 0, map[string]int64{
			"sign_request:recipient": 3, "recipient_completed:owner": 2, "completed:recipient": 2, "completed:owner": 2, "finalize": 2}},
		{"results linked", 1, map[string]int64{
			"sign_request:recipient": 3, "recipient_completed:owner": 2, "completed:recipient": 3, "completed:owner": 2, "finalize": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.attachLimit > 0 {
				h.svc.Config.AttachMaxBytes = tt.attachLimit
			}
			cs := h.counted()
			d, fields := h.sentEnvelope(h.register("owner@example.com"),
				recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 2})
			got := map[string][]int64{}
			ran := 0
			for _, addr := range []string{"a@example.com", "b@example.com"} {
				tok := h.openAs(addr)
				h.signTyped(tok, fields[addr].ID, "R")
				ran += h.runMailJobs(cs, got)
			}
			for what, n := range tt.want {
				if len(got[what]) == 0 {
					t.Errorf("no %s job ran", what)
				}
				for _, w := range got[what] {
					if w != n {
						t.Errorf("%s: %d write transactions, want %d", what, w, n)
					}
				}
			}
			if n := h.notified(d.Envelope.ID); n != ran+1 { // +1: a's sign request, sent by sentEnvelope
				t.Errorf("%d notified audit records, want %d", n, ran+1)
			}
		})
	}
}

// runMailJobs runs the pending jobs one by one (finalizing too, whose
// completed emails it then runs), and adds the write transactions of each
// mail job to writes under "kind:addressee", and of each finalize job under
// "finalize"; it returns how many mail jobs ran, each of which must end done.
func (h *harness) runMailJobs(cs *txCounter, writes map[string][]int64) int {
	h.t.Helper()
	ran := 0
	for {
		pending := h.jobsIn(esign.JobPending)
		if len(pending) == 0 {
			return ran
		}
		for _, j := range pending {
			before := cs.writes.Load()
			out, err := h.runner.RunByID(context.Background(), j.ID)
			must(h.t, err)
			if out.Result != jobs.Done {
				h.t.Fatalf("job %s: %s, want done", j.ID, out.Result)
			}
			if j.Kind == esign.JobFinalize {
				writes["finalize"] = append(writes["finalize"], cs.writes.Load()-before)
			}
			if j.Kind == esign.JobMail {
				var p struct {
					Kind      string `json:"kind"`
					Recipient string `json:"recipient_id"`
				}
				must(h.t, json.Unmarshal(j.Payload, &p))
				to := "owner"
				if p.Recipient != "" {
					to = "recipient"
				}
				writes[p.Kind+":"+to] = append(writes[p.Kind+":"+to], cs.writes.Load()-before)
				ran++
			}
		}
	}
}

// jobsIn returns the jobs in a status.
func (h *harness) jobsIn(status esign.JobStatus) []*esign.Job {
	h.t.Helper()
	var out []*esign.Job
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		out, err = tx.JobsByStatus(ctx, status, 0)
		return err
	}))
	return out
}

// notified counts the envelope's audit records of sent emails.
func (h *harness) notified(envelopeID string) int {
	h.t.Helper()
	var evs []*esign.AuditEvent
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		evs, err = tx.AuditEvents(ctx, envelopeID)
		return err
	}))
	return len(slices.DeleteFunc(evs, func(e *esign.AuditEvent) bool { return e.Type != esign.AuditNotified }))
}

// hookMailer is the recording mailer that calls hook, once, before its
// first send.
type hookMailer struct {
	*esigntest.Mailer
	hook func()
}

// Send runs the hook if it has not run, then sends.
func (m *hookMailer) Send(ctx context.Context, e *esign.Email) error {
	if hook := m.hook; hook != nil {
		m.hook = nil
		hook()
	}
	return m.Mailer.Send(ctx, e)
}

// TestMailJobLeaseTakenOver: a worker that sends its email after its lease
// ran out, and after another worker took the job over, records the email it
// sent but does not finish the job: the job keeps the outcome of the
// worker that holds it, done or failed, and the late worker reports
// nothing recorded.
func TestMailJobLeaseTakenOver(t *testing.T) {
	for _, tt := range []struct {
		name        string
		otherFails  bool
		wantStatus  esign.JobStatus
		wantEmails  int
		wantOutcome jobs.Result // of the worker that took over
	}{
		{"other worker sends", false, esign.JobDone, 2, jobs.Done},
		{"other worker fails", true, esign.JobPending, 1, jobs.Retry},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			envelopeID, about, _ := h.halfSigned(h.register("owner@example.com"))
			ctx := context.Background()
			id := "mail:late"
			h.enqueueMailJob(id, envelopeID, esign.MailRecipientCompleted, "", about)
			other := jobs.New(h.db, h.svc.HandleJob, h.clock, h.svc.Log, jobs.DefaultConfig("other"))
			var otherOut jobs.Outcome
			h.svc.Mailer = &hookMailer{Mailer: h.mail, hook: func() {
				h.clock.Advance(jobs.DefaultConfig("").Lease + time.Minute)
				if tt.otherFails {
					h.mail.FailNext = 1
				}
				var err error
				otherOut, err = other.RunByID(ctx, id)
				must(t, err)
			}}
			before := h.notified(envelopeID)
			out, err := h.runner.RunByID(ctx, id)
			must(t, err)
			if out.Result != jobs.Skipped || otherOut.Result != tt.wantOutcome {
				t.Fatalf("late worker %s, other %s; want skipped and %s", out.Result, otherOut.Result, tt.wantOutcome)
			}
			j := h.job(id)
			if j.Status != tt.wantStatus || j.Attempts != 2 || tt.otherFails != strings.Contains(j.LastError, esigntest.ErrMailDown.Error()) {
				t.Fatalf("job %s after %d attempts (last error %q); want %s after 2", j.Status, j.Attempts, j.LastError, tt.wantStatus)
			}
			if n := len(h.mail.To("owner@example.com")) - 1; n != tt.wantEmails { // -1: a's recipient-completed email
				t.Errorf("%d emails sent, want %d", n, tt.wantEmails)
			}
			if n := h.notified(envelopeID) - before; n != tt.wantEmails {
				t.Errorf("%d notified audit records, want one per email sent, %d", n, tt.wantEmails)
			}
		})
	}
}

// job returns the job with the id.
func (h *harness) job(id string) *esign.Job {
	h.t.Helper()
	var j *esign.Job
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		j, err = tx.JobByID(ctx, id)
		return err
	}))
	return j
}
