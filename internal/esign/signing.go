package esign

import (
	"context"
	"io"
	"time"
)

// SigningView is what a recipient sees.
type SigningView struct {
	Envelope  *Envelope
	Recipient *Recipient
	Documents []*Document
	Fields    []*Field // the recipient's own fields
	// SessionToken is set when an embedded signing URL was exchanged for a
	// session; the caller continues with it. Shown this once.
	SessionToken string
	// Sender is the envelope's owner.
	Sender *User
	// AuthRequired is set, and Documents and Fields are empty, until the
	// recipient authenticates.
	AuthRequired *AuthRequirement
}

// AuthRequirement is how a recipient must authenticate: the method and,
// for a one-time code, where it goes (masked).
type AuthRequirement struct {
	Method      string
	Destination string
}

// OpenSigning opens the envelope for the token's recipient: it records the
// view (first view only) and, for an embedded URL, spends it and mints a
// session. A viewer finishes by viewing.
func (s *Service) OpenSigning(ctx context.Context, raw string) (*SigningView, error) {
	var v *SigningView
	err := s.expiringFirst(ctx, func() (err error) {
		v, err = s.openSigning(ctx, raw)
		return err
	})
	return v, err
}

func (s *Service) openSigning(ctx context.Context, raw string) (*SigningView, error) {
	var v *SigningView
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		// The documents and fields come with the lock: the view shows them.
		c, err := loadToken(ctx, tx, raw, TokenRead{Lock: true, Documents: true, Fields: true})
		if err != nil {
			return err
		}
		if err := checkTurn(c); err != nil {
			return err
		}
		v = &SigningView{Envelope: c.Envelope, Recipient: c.Recipient, Sender: c.Owner}
		if c.Token.Kind == TokenEmbedded {
			if v.SessionToken, err = s.exchangeEmbedded(ctx, tx, c); err != nil {
				return err
			}
		}
		if err := requireAuth(ctx, tx, c); err != nil {
			if ErrorCode(err) != CodeRecipientAuthRequired {
				return err
			}
			// Not authenticated yet: what it is and who sent it, and how
			// to authenticate; no documents, no fields, no view recorded.
			v.AuthRequired = &AuthRequirement{Method: c.Recipient.AuthMethod, Destination: maskedDestination(c.Recipient)}
			return nil
		}
		if err := s.recordView(ctx, tx, c); err != nil {
			return err
		}
		fillView(v, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return v, nil
}

// exchangeEmbedded spends a single-use embedded URL and returns a session token.
func (s *Service) exchangeEmbedded(ctx context.Context, tx Tx, c *signingContext) (string, error) {
	// checkUsable refused a used URL, and the token was read with the
	// envelope locked, as every use of it is: it is unused.
	if err := tx.UseRecipientToken(ctx, c.Token.Hash, tx.Now()); err != nil {
		return "", err
	}
	secret, hash := NewSecret(SecretRecipient)
	exp := tx.Now().Add(s.Config.SessionTTL)
	t := &RecipientToken{Hash: hash, EnvelopeID: c.Envelope.ID, RecipientID: c.Recipient.ID, Kind: TokenSession, ExpiresAt: &exp, CreatedAt: tx.Now(),
		SenderAuth: c.Token.SenderAuth}
	return secret, tx.CreateRecipientToken(ctx, t)
}

// recordView marks the first view of a recipient (and of the envelope).
func (s *Service) recordView(ctx context.Context, tx Tx, c *signingContext) error {
	r, e := c.Recipient, c.Envelope
	if r.DeliveredAt != nil {
		return nil
	}
	if err := markDelivered(ctx, tx, c); err != nil {
		return err
	}
	if r.Role != RoleViewer || r.Status == RecipientCompleted {
		return nil
	}
	now := tx.Now()
	r.Status, r.CompletedAt, r.NextReminderAt = RecipientCompleted, &now, nil
	c.recordAuth()
	if err := tx.UpdateRecipient(ctx, r); err != nil {
		return err
	}
	return s.advance(ctx, tx, e, c.Recipients)
}

// markDelivered records that the recipient has the envelope in front of them.
func markDelivered(ctx context.Context, tx Tx, c *signingContext) error {
	r, e := c.Recipient, c.Envelope
	now := tx.Now()
	r.DeliveredAt = &now
	if r.Status == RecipientSent {
		r.Status = RecipientDelivered
	}
	if err := tx.UpdateRecipient(ctx, r); err != nil {
		return err
	}
	var also []EventType
	if e.Status == StatusSent {
		also = append(also, EventEnvelopeDelivered) // the envelope's first view
	}
	if to, err := Transition(e.Status, EventDeliver); err == nil {
		e.Status = to
	}
	return appendAudit(ctx, tx, e, AuditViewed, c.actor(ctx), map[string]string{"recipient_id": r.ID}, also...)
}

// fillView shows the envelope's documents and the recipient's own fields,
// as the token was loaded with them: opening changes neither.
func fillView(v *SigningView, c *signingContext) {
	v.Documents = c.Documents
	for _, f := range c.Fields {
		if f.RecipientID == v.Recipient.ID {
			v.Fields = append(v.Fields, f)
		}
	}
}

// SigningDocument opens the original of one of the envelope's documents for
// the token's recipient.
func (s *Service) SigningDocument(ctx context.Context, raw, documentID string) (*Document, io.ReadSeekCloser, error) {
	var doc *Document
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		c, err := viewToken(ctx, tx, raw)
		if err != nil {
			return err
		}
		if err := checkTurn(c); err != nil {
			return err
		}
		if err := requireSession(c); err != nil {
			return err
		}
		if err := requireAuth(ctx, tx, c); err != nil {
			return err
		}
		docs, err := tx.DocumentsByEnvelope(ctx, c.Envelope.ID)
		for _, d := range docs {
			if d.ID == documentID {
				doc = d
			}
		}
		if err == nil && doc == nil {
			err = NotFound("document")
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	f, err := s.Blobs.Open(ctx, doc.BlobKey)
	return doc, f, err
}

// SigningURLOptions are what a sender may declare about an embedded signer.
type SigningURLOptions struct {
	// AuthPerformedBySender: the sender's application authenticated the
	// signer itself, so the recipient's method is not asked again. It is
	// recorded in the audit trail and the certificate as "sender application".
	AuthPerformedBySender bool
}

// EmbeddedURL is an embedded signing URL and whom and until when it is for.
type EmbeddedURL struct {
	RecipientID string
	URL         string
	ExpiresAt   time.Time
}

// SigningURL mints an embedded signing URL for a recipient whose turn it is:
// single use, valid for Config.EmbeddedTTL.
func (s *Service) SigningURL(ctx context.Context, p *Principal, envelopeID, recipientID string, opts SigningURLOptions) (string, error) {
	var u EmbeddedURL
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := envelopeFor(ctx, tx, p, envelopeID, PermEnvelopeSend, true)
		if err != nil {
			return err
		}
		if !e.Status.InProgress() {
			return Errorf(KindConflict, CodeInvalidTransition, "envelope is %s; signing URLs exist only while it is out for signature", e.Status)
		}
		rs, err := tx.RecipientsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		c := &signingContext{Envelope: e, Recipients: rs}
		for _, r := range rs {
			if r.ID == recipientID {
				c.Recipient = r
			}
		}
		if c.Recipient == nil {
			return NotFound("recipient")
		}
		if err := checkURLAllowed(c); err != nil {
			return err
		}
		u, err = s.mintSigningURL(ctx, tx, p, c, opts)
		return err
	})
	return u.URL, err
}

// mintSigningURL stores a single-use embedded token for c's recipient,
// whose turn it is, and audits it.
func (s *Service) mintSigningURL(ctx context.Context, tx Tx, p *Principal, c *signingContext, opts SigningURLOptions) (EmbeddedURL, error) {
	e, r := c.Envelope, c.Recipient
	exp := tx.Now().Add(s.Config.EmbeddedTTL)
	secret, hash := NewSecret(SecretRecipient)
	t := &RecipientToken{Hash: hash, EnvelopeID: e.ID, RecipientID: r.ID, Kind: TokenEmbedded, ExpiresAt: &exp,
		CreatedAt: tx.Now(), SenderAuth: opts.AuthPerformedBySender && r.AuthMethod != AuthNone}
	if err := tx.CreateRecipientToken(ctx, t); err != nil {
		return EmbeddedURL{}, err
	}
	data := map[string]string{"recipient_id": r.ID, "expires_at": exp.Format(AuditTimeFormat)}
	if t.SenderAuth {
		data["auth_performed_by"] = AuthSender
	}
	if err := appendAudit(ctx, tx, e, AuditSigningURLCreated, p.actor(ctx), data); err != nil {
		return EmbeddedURL{}, err
	}
	return EmbeddedURL{RecipientID: r.ID, URL: s.Config.PublicURL + "/s/" + secret, ExpiresAt: exp}, nil
}

func checkURLAllowed(c *signingContext) error {
	r := c.Recipient
	switch {
	case r.Role == RoleCC:
		return Errorf(KindConflict, CodeNotARecipientAction, "cc recipients do not sign")
	case r.Done():
		return Errorf(KindConflict, CodeRecipientDone, "recipient has already finished")
	}
	return checkTurn(c)
}
