package esign

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// JobSMS sends one text message: a sign request or a reminder to a
// recipient who gave a phone number.
const JobSMS = "sms"

// SMS is a text message to one phone.
type SMS struct {
	// ID is stable across retries of the job that sends it, so a provider
	// or a file writer can recognise a repeat.
	ID   string
	To   string // E.164, e.g. +15550001111
	Body string
	// Link is the message's signing link; a development sender may log it.
	Link string
}

// SMSSender delivers text messages. A failure the provider will never
// accept (an invalid number) is a *PermanentError; anything else is
// retried.
type SMSSender interface {
	Send(ctx context.Context, m *SMS) error
}

// ErrNoSMSSender is what an SMS job fails with when no provider is wired.
var ErrNoSMSSender = errors.New("no SMS provider configured")

// smsRecipient schedules one text message of a kind (MailSignRequest or
// MailReminder) to r, if r gave a phone number and is not embedded. suffix
// tells repeated messages of a kind apart (a reminder's number).
func smsRecipient(ctx context.Context, tx Tx, e *Envelope, kind string, r *Recipient, suffix string) error {
	if r.Phone == "" || r.Embedded {
		return nil
	}
	p := mailPayload{EnvelopeID: e.ID, Kind: kind, RecipientID: r.ID}
	return enqueue(ctx, tx, JobSMS, kind+":"+e.ID+":"+r.ID+suffix, p, tx.Now())
}

// sendSMS builds and sends a text message with a fresh signing link, unless
// the recipient finished or the envelope ended before the job ran.
func (s *Service) sendSMS(ctx context.Context, jobID string, p mailPayload) error {
	if s.SMS == nil {
		return permanent(fmt.Errorf("sms job %s: %w", jobID, ErrNoSMSSender))
	}
	var msg *SMS
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		msg = nil
		e, err := tx.LockEnvelope(ctx, p.EnvelopeID)
		if err != nil {
			return err
		}
		r, err := findRecipient(ctx, tx, e.ID, p.RecipientID)
		if err != nil || !e.Status.InProgress() || r.Done() || r.Phone == "" {
			return err
		}
		owner, err := tx.UserByID(ctx, e.OwnerID)
		if err != nil {
			return err
		}
		link, err := s.mintLink(ctx, tx, r, TokenLink, nil)
		msg = &SMS{ID: jobID, To: r.Phone, Link: link, Body: smsBody(p.Kind, owner.Name, e.Name, link)}
		return err
	})
	if err != nil || msg == nil {
		return err
	}
	if err := s.SMS.Send(ctx, msg); err != nil {
		return fmt.Errorf("send %s sms for %s: %w", p.Kind, p.EnvelopeID, err)
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := tx.LockEnvelope(ctx, p.EnvelopeID)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, e, AuditNotified, systemActor(), map[string]string{"kind": p.Kind, "to": p.to(), "channel": "sms", "phone": msg.To})
	})
}

// smsBody is a short text: who asks, what, and the link. Names are cut so
// the message stays within a few SMS segments.
func smsBody(kind, sender, envelope, link string) string {
	name := shorten(envelope, 60)
	if kind == MailReminder {
		return fmt.Sprintf("Reminder: \"%s\" is still waiting for you. %s", name, link)
	}
	return fmt.Sprintf("%s asks you to sign \"%s\". %s", shorten(sender, 40), name, link)
}

// shorten cuts s to at most n bytes on a character boundary, with an
// ellipsis when it cut.
func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return truncate(s, n-3) + "..."
}

// normalizePhone accepts an E.164 number, ignoring spaces, dashes, dots and
// parentheses between digits, and returns it as +digits; empty stays empty.
func normalizePhone(field, s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	digits := strings.TrimPrefix(s, "+")
	ok := len(s) == len(digits)+1 && len(digits) >= 8 && len(digits) <= 15 && digits[0] != '0'
	for _, c := range digits {
		ok = ok && c >= '0' && c <= '9'
	}
	if !ok {
		return "", Invalid(field, "must be an E.164 phone number: + then the country code and number, 8 to 15 digits, e.g. +15550001111")
	}
	return s, nil
}
