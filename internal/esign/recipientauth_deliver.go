package esign

import (
	"context"
	"encoding/json"
	"fmt"
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
		if ch.Method == AuthSMSOTP {
			msg = smsCode(jobID, r, e.Name, code)
			return nil
		}
		brand, err := loadBranding(ctx, tx, e.OrgID)
		if err != nil {
			return err
		}
		m, err := renderMail(MailAuthCode, mailView{Envelope: e, ToName: r.Name, ToEmail: r.Email, Brand: newBrandView(brand),
			Code: code, CodeMinutes: int(AuthCodeTTL.Minutes())})
		if err != nil {
			return err
		}
		m.ID, m.Link = jobID, ""
		msg = &codeMessage{email: m}
		return nil
	})
	return msg, err
}

// smsCode writes the code's text message.
func smsCode(id string, r *Recipient, envelope, code string) *codeMessage {
	body := fmt.Sprintf("Your GSign code for \"%s\" is %s. It expires in %d minutes.", shorten(envelope, 60), code, int(AuthCodeTTL.Minutes()))
	return &codeMessage{sms: &SMS{ID: id, To: r.Phone, Body: body}}
}
