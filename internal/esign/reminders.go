package esign

import (
	"context"
	"strconv"
	"time"
)

// ReminderSettings are an envelope's reminder and expiry-warning settings,
// in whole hours as the API takes them; 0 turns a setting off.
type ReminderSettings struct {
	// DelayHours: the first reminder goes this long after a recipient was
	// notified.
	DelayHours int
	// FrequencyHours: then one every this often, until the recipient
	// finishes or the envelope ends; 0: only the first.
	FrequencyHours int
	// ExpiryWarningHours: this long before expires_at, everyone still to
	// act is warned once.
	ExpiryWarningHours int
}

// maxSettingHours bounds each setting: a year.
const maxSettingHours = 365 * 24

// scheduleBatch bounds how many reminders or warnings one scheduler pass
// handles; the next pass takes the rest.
const scheduleBatch = 500

// apply validates the settings against e (whose ExpiresAt is set) and
// stores them on it.
func (in ReminderSettings) apply(e *Envelope, now time.Time) error {
	for _, s := range []struct {
		field string
		hours int
	}{{"reminder_delay_hours", in.DelayHours}, {"reminder_frequency_hours", in.FrequencyHours}, {"expiry_warning_hours", in.ExpiryWarningHours}} {
		if s.hours < 0 || s.hours > maxSettingHours {
			return Invalid(s.field, "must be a whole number of hours between 0 (off) and "+strconv.Itoa(maxSettingHours)+" (a year)")
		}
	}
	if in.FrequencyHours > 0 && in.DelayHours == 0 {
		return Invalid("reminder_frequency_hours", "needs reminder_delay_hours: repeated reminders follow the first one")
	}
	warning := time.Duration(in.ExpiryWarningHours) * time.Hour
	switch {
	case warning > 0 && e.ExpiresAt == nil:
		return Invalid("expiry_warning_hours", "needs expires_at: there is nothing to warn about")
	case warning > 0 && !e.ExpiresAt.Add(-warning).After(now):
		return Invalid("expiry_warning_hours", "is longer than the time left until expires_at")
	}
	e.ReminderDelay = time.Duration(in.DelayHours) * time.Hour
	e.ReminderFrequency = time.Duration(in.FrequencyHours) * time.Hour
	e.ExpiryWarning = warning
	return nil
}

// auditData adds the settings that are on to an audit event's data.
func (in ReminderSettings) auditData(data map[string]string) map[string]string {
	for k, h := range map[string]int{"reminder_delay_hours": in.DelayHours, "reminder_frequency_hours": in.FrequencyHours, "expiry_warning_hours": in.ExpiryWarningHours} {
		if h > 0 {
			data[k] = strconv.Itoa(h)
		}
	}
	return data
}

// remindable reports whether r may get reminders and warnings at all: cc
// recipients have nothing to do, and embedded ones hear only from the
// sender's application.
func remindable(r *Recipient) bool { return r.Role != RoleCC && !r.Embedded }

// scheduleFirstReminder sets when r, notified at now, is first reminded.
func scheduleFirstReminder(e *Envelope, r *Recipient, now time.Time) {
	r.NextReminderAt = nil
	if e.ReminderDelay > 0 && remindable(r) {
		at := now.Add(e.ReminderDelay)
		r.NextReminderAt = &at
	}
}

// scheduleExpiryWarning sets when e, sent at now, warns its recipients. A
// warning whose time has already come when the envelope is sent is
// dropped: the sign requests just went out.
func scheduleExpiryWarning(e *Envelope, now time.Time) {
	e.ExpiryWarningAt = nil
	if e.ExpiresAt == nil || e.ExpiryWarning == 0 {
		return
	}
	if at := e.ExpiresAt.Add(-e.ExpiryWarning); at.After(now) {
		e.ExpiryWarningAt = &at
	}
}

// RemindDue enqueues the reminders that are due and reports how many. The
// scheduler calls it periodically. Each reminder is decided under the
// envelope's lock and has a job id of its own (its number), so two
// schedulers running at once send each reminder once.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	return runDue(ctx, s, Tx.DueReminders, func(ctx context.Context, r *Recipient) (int, error) {
		sent, err := s.remind(ctx, r.EnvelopeID, r.ID)
		if sent {
			return 1, err
		}
		return 0, err
	})
}

// runDue is a scheduler pass: it lists what is due in one read, then
// handles each item in a transaction of its own and adds up what handle
// reports; if that is anything, it wakes the job runner.
func runDue[T any](ctx context.Context, s *Service, list func(Tx, context.Context, time.Time, int) ([]T, error), handle func(context.Context, T) (int, error)) (int, error) {
	var due []T
	now := s.now()
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		due, err = list(tx, ctx, now, scheduleBatch)
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, item := range due {
		n, err := handle(ctx, item)
		total += n
		if err != nil {
			return total, err
		}
	}
	if total > 0 {
		s.wake()
	}
	return total, nil
}

// remind sends one recipient its due reminder, or stops its reminders when
// it has finished or the envelope has ended; it reports whether it sent one.
func (s *Service) remind(ctx context.Context, envelopeID, recipientID string) (bool, error) {
	sent := false
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		sent = false // the closure may run again
		e, err := tx.LockEnvelope(ctx, envelopeID)
		if err != nil {
			return err
		}
		r, err := findRecipient(ctx, tx, envelopeID, recipientID)
		now := tx.Now()
		if err != nil || r.NextReminderAt == nil || r.NextReminderAt.After(now) {
			return err // another scheduler got here first
		}
		if !e.Status.InProgress() || r.Done() || !remindable(r) {
			r.NextReminderAt = nil
			return tx.UpdateRecipient(ctx, r)
		}
		r.RemindersSent++
		r.NextReminderAt = nil
		if e.ReminderFrequency > 0 {
			at := now.Add(e.ReminderFrequency)
			r.NextReminderAt = &at
		}
		if err := tx.UpdateRecipient(ctx, r); err != nil {
			return err
		}
		sent = true
		n := ":" + strconv.Itoa(r.RemindersSent)
		p := mailPayload{EnvelopeID: e.ID, Kind: MailReminder, RecipientID: r.ID}
		if err := enqueue(ctx, tx, JobMail, MailReminder+":"+e.ID+":"+r.ID+n, p, now); err != nil {
			return err
		}
		return smsRecipient(ctx, tx, e, MailReminder, r, n)
	})
	return sent, err
}

// WarnExpiring enqueues the expiry warnings that are due and reports to how
// many recipients. The scheduler calls it periodically.
func (s *Service) WarnExpiring(ctx context.Context) (int, error) {
	return runDue(ctx, s, Tx.DueExpiryWarnings, s.warnExpiring)
}

// warnExpiring warns, once, every recipient of the envelope who has been
// asked to act and has not finished; recipients of later routing groups
// have no link yet, and get their sign request when their turn comes.
func (s *Service) warnExpiring(ctx context.Context, envelopeID string) (int, error) {
	n := 0
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		n = 0
		e, err := tx.LockEnvelope(ctx, envelopeID)
		now := tx.Now()
		if err != nil || e.ExpiryWarningAt == nil || e.ExpiryWarningAt.After(now) {
			return err // another scheduler got here first
		}
		e.ExpiryWarningAt = nil
		if e.Status.InProgress() && e.ExpiresAt != nil && e.ExpiresAt.After(now) {
			rs, err := tx.RecipientsByEnvelope(ctx, e.ID)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if (r.Status != RecipientSent && r.Status != RecipientDelivered) || !remindable(r) {
					continue
				}
				if err := mailRecipient(ctx, tx, e, MailExpiringSoon, r); err != nil {
					return err
				}
				n++
			}
		}
		return tx.UpdateEnvelope(ctx, e)
	})
	return n, err
}
