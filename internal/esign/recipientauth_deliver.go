package esign

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
)

// codeMessage is a one-time code ready to send, and to whom.
type codeMessage struct {
	email *Email
	sms   *SMS
}

// deliverAuthCode sends a one-time code, unless it can no longer be entered
// (expired, used, or burned) by the time the job runs.
func (s *Service) deliverAuthCode(ctx context.Context, j *Job) error {
	var p authCodePayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return permanent(fmt.Errorf("decode auth code job %s: %w", j.ID, err))
	}
	msg, err := s.composeCode(ctx, j.ID, p)
	if err != nil || msg == nil {
		return err
	}
	if msg.sms != nil {
		if s.SMS == nil {
			return permanent(fmt.Errorf("auth code job %s: %w", j.ID, ErrNoSMSSender))
		}
		if err := s.SMS.Send(ctx, msg.sms); err != nil {
			return fmt.Errorf("send one-time code by sms: %w", err)
		}
		return nil
	}
	if err := s.Mailer.Send(ctx, msg.email); err != nil {
		return fmt.Errorf("send one-time code by email: %w", err)
	}
	return nil
}

// composeCode opens the sealed code and writes the message; nil when there
// is nothing to send any more.
func (s *Service) composeCode(ctx context.Context, jobID string, p authCodePayload) (*codeMessage, error) {
	_, box := s.keys()
	code, err := box.Open(p.SealedCode, p.ChallengeID)
	if err != nil {
		return nil, permanent(fmt.Errorf("auth code job %s: %w", jobID, err))
	}
	var msg *codeMessage
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		ch, err := tx.AuthChallengeByID(ctx, p.ChallengeID)
		if err != nil || ch.UsedAt != nil || !tx.Now().Before(ch.ExpiresAt) {
			return err
		}
		e, err := tx.EnvelopeByID(ctx, ch.EnvelopeID)
		if err != nil {
			return err
		}
		r, err := findRecipient(ctx, tx, e.ID, ch.RecipientID)
		if err != nil {
			return err
		}
		msg = codeFor(jobID, ch.Method, r, e.Name, code)
		return nil
	})
	return msg, err
}

// codeFor writes the code's email or text. The subject does not carry the
// code: a notification preview shows subjects to whoever holds the phone.
func codeFor(id, method string, r *Recipient, envelope, code string) *codeMessage {
	mins := int(AuthCodeTTL.Minutes())
	if method == AuthSMSOTP {
		body := fmt.Sprintf("Your GSign code for \"%s\" is %s. It expires in %d minutes.", shorten(envelope, 60), code, mins)
		return &codeMessage{sms: &SMS{ID: id, To: r.Phone, Body: body}}
	}
	text := fmt.Sprintf("Your one-time code to open \"%s\" is:\n\n    %s\n\nIt expires in %d minutes. If you did not ask for it, ignore this email.\n",
		envelope, code, mins)
	html := fmt.Sprintf(`<p>Your one-time code to open &ldquo;%s&rdquo; is:</p><p style="font-size:24px;letter-spacing:4px"><strong>%s</strong></p><p>It expires in %d minutes. If you did not ask for it, ignore this email.</p>`,
		html.EscapeString(envelope), code, mins)
	return &codeMessage{email: &Email{ID: id, To: r.Email, ToName: r.Name,
		Subject: "Your code to open \"" + shorten(envelope, 60) + "\"", Text: text, HTML: html}}
}
