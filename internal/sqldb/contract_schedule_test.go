package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testSchedule: reminder settings, phone and reminder state round-trip, and
// the scheduler's queries return what is due, earliest first, and nothing
// that is not due or not scheduled.
func testSchedule(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	a, b := newWorld(t, db), newWorld(t, db)
	soon, later := t0.Add(time.Hour), t0.Add(2*time.Hour)
	a.Envelope.ReminderDelay, a.Envelope.ReminderFrequency, a.Envelope.ExpiryWarning = 24*time.Hour, 48*time.Hour, 12*time.Hour
	a.Envelope.ExpiryWarningAt, b.Envelope.ExpiryWarningAt = &later, &soon
	a.Recipient.Phone, a.Recipient.NextReminderAt, a.Recipient.RemindersSent = "+15550001111", &later, 2
	b.Recipient.NextReminderAt = &soon
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, w := range []*world{a, b} {
			if err := tx.UpdateEnvelope(ctx, w.Envelope); err != nil {
				return err
			}
			if err := tx.UpdateRecipient(ctx, w.Recipient); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		e, err := tx.EnvelopeByID(ctx, a.Envelope.ID)
		wantEqual(t, e, a.Envelope)
		rs, _ := tx.RecipientsByEnvelope(ctx, a.Envelope.ID)
		wantEqual(t, rs, []*esign.Recipient{a.Recipient})
		return err
	})
	dueAt := func(now time.Time, limit int) (rids, eids []string) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			rs, err := tx.DueReminders(ctx, now, limit)
			for _, r := range rs {
				rids = append(rids, r.ID)
			}
			if err != nil {
				return err
			}
			eids, err = tx.DueExpiryWarnings(ctx, now, limit)
			return err
		})
		return rids, eids
	}
	for _, tc := range []struct {
		name       string
		now        time.Time
		limit      int
		rids, eids []string
	}{
		{"nothing due yet", soon.Add(-time.Microsecond), 10, nil, []string{}},
		{"the earlier due", soon, 10, []string{b.Recipient.ID}, []string{b.Envelope.ID}},
		{"both, earliest first", later, 10, []string{b.Recipient.ID, a.Recipient.ID}, []string{b.Envelope.ID, a.Envelope.ID}},
		{"limited", later, 1, []string{b.Recipient.ID}, []string{b.Envelope.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rids, eids := dueAt(tc.now, tc.limit)
			wantEqual(t, rids, tc.rids)
			wantEqual(t, eids, tc.eids)
		})
	}
}

// testJobCounts: pending, running and dead jobs are counted by kind and
// status; done jobs are not.
func testJobCounts(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, j := range []struct {
			id, kind string
			status   esign.JobStatus
		}{{"m1", "mail", esign.JobPending}, {"m2", "mail", esign.JobPending}, {"m3", "mail", esign.JobDead}, {"m4", "mail", esign.JobDone},
			{"s1", "sms", esign.JobRunning}, {"f1", "finalize", esign.JobDone}} {
			if _, err := tx.EnqueueJob(ctx, &esign.Job{ID: j.id, Kind: j.kind, Payload: []byte("{}"), Status: j.status, RunAt: t0,
				MaxAttempts: 3, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.JobCounts(ctx)
		wantEqual(t, got, []*esign.JobCount{{Kind: "mail", Status: esign.JobDead, Count: 1}, {Kind: "mail", Status: esign.JobPending, Count: 2},
			{Kind: "sms", Status: esign.JobRunning, Count: 1}})
		return err
	})
}
