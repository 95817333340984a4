package sqldb

import (
	"context"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// DueReminders lists recipients whose next reminder is due, earliest first,
// through the index on next_reminder_at: rows without a reminder (NULL) are
// never read.
func (t *tx) DueReminders(ctx context.Context, now time.Time, limit int) ([]*esign.Recipient, error) {
	const q = `SELECT ` + recipientCols + ` FROM recipients
		WHERE next_reminder_at <= ? ORDER BY next_reminder_at, id LIMIT ?`
	return getAll(ctx, t, "due reminders", scanRecipient, q, micros(now), limit)
}

// DueExpiryWarnings lists the envelopes whose expiry warning is due,
// earliest first, through the index on expiry_warning_at.
func (t *tx) DueExpiryWarnings(ctx context.Context, now time.Time, limit int) ([]string, error) {
	const q = `SELECT id FROM envelopes WHERE expiry_warning_at <= ? ORDER BY expiry_warning_at, id LIMIT ?`
	rows, err := getAll(ctx, t, "due expiry warnings", scanID, q, micros(now), limit)
	ids := make([]string, 0, len(rows))
	for _, id := range rows {
		ids = append(ids, *id)
	}
	return ids, err
}

func scanID(s rowScanner) (*string, error) {
	var id string
	return &id, s.Scan(&id)
}

// JobCounts counts pending, running and dead jobs by kind and status,
// reading only those rows through the index on (status, run_at).
func (t *tx) JobCounts(ctx context.Context) ([]*esign.JobCount, error) {
	const q = `SELECT kind, status, COUNT(*) FROM jobs WHERE status IN (?, ?, ?)
		GROUP BY kind, status ORDER BY kind, status`
	return getAll(ctx, t, "job counts", func(s rowScanner) (*esign.JobCount, error) {
		c := &esign.JobCount{}
		return c, s.Scan(&c.Kind, &c.Status, &c.Count)
	}, q, string(esign.JobPending), string(esign.JobRunning), string(esign.JobDead))
}
