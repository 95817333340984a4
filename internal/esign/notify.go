package esign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Mail kinds: what a notification email says.
const (
	MailSignRequest = "sign_request" // your turn: open the link and act
	MailCopy        = "copy"         // cc: a copy for your information
	MailVoided      = "voided"
	MailDeclined    = "declined"
	MailCompleted   = "completed" // with the results attached
	MailReminder    = "reminder"  // still your turn: the link again
	// MailExpiringSoon warns a recipient who has not finished that the
	// envelope expires soon, with the link again.
	MailExpiringSoon = "expiring_soon"
	// MailRecipientCompleted tells the owner that a recipient signed or
	// approved while others have still to.
	MailRecipientCompleted = "recipient_completed"
	// MailInvitation invites someone to join an organization.
	MailInvitation = "invitation"
	// MailAuthCode carries a recipient's one-time code.
	MailAuthCode = "auth_code"
)

// mailCarriesLink reports whether a kind of email gives its recipient a
// signing link, and so is pointless once the envelope ended.
func mailCarriesLink(kind string) bool {
	switch kind {
	case MailSignRequest, MailCopy, MailReminder, MailExpiringSoon:
		return true
	}
	return false
}

// mailAsksToAct reports whether a kind of email asks its recipient to act,
// and so is pointless once the recipient finished.
func mailAsksToAct(kind string) bool {
	return kind == MailSignRequest || kind == MailReminder || kind == MailExpiringSoon
}

type mailPayload struct {
	EnvelopeID  string `json:"envelope_id"`
	Kind        string `json:"kind"`
	RecipientID string `json:"recipient_id,omitempty"` // empty: the envelope's owner
	// AboutID is the recipient a recipient-completed email is about.
	AboutID string `json:"about_recipient_id,omitempty"`
}

// to names the addressee: the recipient's id, or "owner".
func (p mailPayload) to() string {
	if p.RecipientID == "" {
		return "owner"
	}
	return p.RecipientID
}

// enqueueMail schedules one email about e to a recipient, or to the owner when
// recipientID is empty. The job id makes it happen once.
func enqueueMail(ctx context.Context, tx Tx, e *Envelope, kind, recipientID string) error {
	p := mailPayload{EnvelopeID: e.ID, Kind: kind, RecipientID: recipientID}
	return enqueue(ctx, tx, JobMail, kind+":"+e.ID+":"+p.to(), p, tx.Now())
}

// mailOwnerFinished tells the owner that r finished while others have
// still to. The job id names r, so each recipient is reported once.
func mailOwnerFinished(ctx context.Context, tx Tx, e *Envelope, r *Recipient) error {
	p := mailPayload{EnvelopeID: e.ID, Kind: MailRecipientCompleted, AboutID: r.ID}
	return enqueue(ctx, tx, JobMail, ownerFinishedKey(e, r), p, tx.Now())
}

// ownerFinishedKey is the idempotency key of mailOwnerFinished's job; its
// id is the kind, a colon and the key (enqueue).
func ownerFinishedKey(e *Envelope, r *Recipient) string {
	return MailRecipientCompleted + ":" + e.ID + ":owner:" + r.ID
}

// supersedeOwnerFinished marks done the owner's news of recipients who
// finished (mailOwnerFinished) that no worker has picked up yet, once e
// completed: composeMail would send nothing for them (the owner gets the
// completed email instead), and when signers finish together, as they do
// in parallel, most are still waiting. Each would otherwise cost a claim
// and a finish for nothing.
func supersedeOwnerFinished(ctx context.Context, tx Tx, e *Envelope, rs []*Recipient) error {
	var ids []string
	for _, r := range rs {
		if r.Status == RecipientCompleted && (r.Role == RoleSigner || r.Role == RoleApprover) {
			ids = append(ids, JobMail+":"+ownerFinishedKey(e, r))
		}
	}
	_, err := tx.SupersedeJobs(ctx, ids, tx.Now())
	return err
}

// mailRecipient schedules one email about e to r, unless r is embedded: the
// sender's application, not GSign, tells an embedded recipient what to do.
func mailRecipient(ctx context.Context, tx Tx, e *Envelope, kind string, r *Recipient) error {
	if r.Embedded {
		return nil
	}
	return enqueueMail(ctx, tx, e, kind, r.ID)
}

// sendMail builds and sends a notification, and records it with the job's
// end. A sign request mints a fresh link token: only its hash is stored,
// and the raw token lives only in the email. A retry after a failed send
// mints another; both stay valid. A crash after the send and before the
// record commits sends the email again when the job runs again.
func (s *Service) sendMail(ctx context.Context, j *Job, p mailPayload) error {
	out, err := s.composeJob(ctx, p)
	if err != nil || out == nil {
		return err
	}
	msg := out.msg
	msg.ID = j.ID
	if err := s.attachResults(ctx, out); err != nil {
		return err
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("send %s mail for %s: %w", p.Kind, p.EnvelopeID, err)
	}
	failpoint("mail.sent")
	return s.recordSent(ctx, j, p, msg.To)
}

// mailOut is an email as composed in a transaction, and the result files
// it carries: the transaction that read the envelope read which files they
// are too (one snapshot, one transaction fewer per completed email), and
// their bytes are read from the blob store after it ends, so that no
// transaction waits on blob I/O.
type mailOut struct {
	msg          *Email
	attach       []*ResultFile
	envelopeName string
}

// recordSent appends the audit record of a sent email and ends its job in
// one write transaction (FinishClaimedJob), rather than leaving the job's
// end to a transaction of the runner's own. The envelope's row lock
// serializes this append with the envelope's others, which chain on it.
func (s *Service) recordSent(ctx context.Context, j *Job, p mailPayload, to string) error {
	return s.inTxEndingJob(ctx, j, func(ctx context.Context, tx Tx) error {
		e, err := tx.LockEnvelope(ctx, p.EnvelopeID)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, e, AuditNotified, systemActor(), map[string]string{"kind": p.Kind, "to": p.to(), "email": to})
	})
}

// composeJob returns the message for p, or nil when it no longer applies.
//
// Most emails store nothing and are composed in a read transaction, which
// does not hold SQLite's one writer and sees one snapshot of the envelope.
// An email that hands its recipient a token (a signing link, or a link to
// results too large to attach) stores the token's hash, so it is composed
// in a write transaction under the envelope's row lock, as every write
// about the envelope is: the check that the envelope is still in progress
// and the recipient still has to act, and the token stored on the strength
// of it, are then one step of the envelope's history, which no void,
// decline or completion interleaves (at READ COMMITTED on PostgreSQL the
// check would otherwise read a state a concurrent transition is replacing).
// Kinds that always carry a link go to the write transaction at once; a
// completed email learns only while composing whether it needs one.
func (s *Service) composeJob(ctx context.Context, p mailPayload) (*mailOut, error) {
	if p.RecipientID == "" || !mailCarriesLink(p.Kind) {
		out, err := s.composeRead(ctx, p)
		if !errors.Is(err, errComposeWrites) {
			return out, err
		}
	}
	var out *mailOut
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.EnvelopeMailing(ctx, p.EnvelopeID, true)
		if err != nil {
			return err
		}
		out, err = s.composeMail(ctx, tx, m, p)
		return err
	})
	return out, err
}

// composeRead composes p in a read transaction, or fails with
// errComposeWrites when the email needs a token stored.
func (s *Service) composeRead(ctx context.Context, p mailPayload) (*mailOut, error) {
	var out *mailOut
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.EnvelopeMailing(ctx, p.EnvelopeID, false)
		if err != nil {
			return err
		}
		out, err = s.composeMail(ctx, composeView{tx}, m, p)
		return err
	})
	return out, err
}

// errComposeWrites says that an email being composed in a read transaction
// needs a token stored, and must be composed in a write transaction.
var errComposeWrites = errors.New("composing this email stores a token")

// composeView is a read transaction as composeRead hands it to composeMail:
// storing a token fails with errComposeWrites, which composeJob knows to
// answer, rather than with the engine's refusal to write.
type composeView struct{ Tx }

// CreateRecipientToken refuses: see composeView.
func (composeView) CreateRecipientToken(context.Context, *RecipientToken) error {
	return errComposeWrites
}

// composeMail returns the message for p, or nil when it no longer applies
// (the recipient finished or the envelope ended before the job ran; news of
// one recipient finishing is moot once the envelope ended, and the owner
// hears of that anyway).
func (s *Service) composeMail(ctx context.Context, tx Tx, m *EnvelopeMailing, p mailPayload) (*mailOut, error) {
	e, owner, brand := m.Envelope, m.Owner, m.Branding
	if p.Kind == MailRecipientCompleted && !e.Status.InProgress() {
		return nil, nil
	}
	if brand == nil {
		brand = defaultBranding(e.OrgID)
	}
	v := mailView{Envelope: e, SenderName: owner.Name, SenderEmail: owner.Email, Brand: newBrandView(brand)}
	err := s.mailDetails(ctx, tx, e, p, &v)
	if err != nil {
		return nil, err
	}
	var r *Recipient
	if p.RecipientID == "" {
		v.ToName, v.ToEmail = owner.Name, owner.Email
	} else {
		if r, err = findRecipient(ctx, tx, e.ID, p.RecipientID); err != nil {
			return nil, err
		}
		v.ToName, v.ToEmail, v.Role = r.Name, r.Email, string(r.Role)
		if mailCarriesLink(p.Kind) {
			if !e.Status.InProgress() || (mailAsksToAct(p.Kind) && r.Done()) {
				return nil, nil
			}
			v.Link, err = s.mintLink(ctx, tx, r, TokenLink, nil)
			if err != nil {
				return nil, err
			}
		}
	}
	out := &mailOut{envelopeName: e.Name}
	if p.Kind == MailCompleted {
		if out.attach, err = s.completedResults(ctx, tx, e, r, &v, m.Results); err != nil {
			return nil, err
		}
	}
	out.msg, err = renderMail(p.Kind, v)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// completedResults takes e's result files, for a completed email to r (the
// owner when nil): it links those too large to attach (resultLink) and
// returns those it attaches.
func (s *Service) completedResults(ctx context.Context, tx Tx, e *Envelope, r *Recipient, v *mailView, files []*ResultFile) ([]*ResultFile, error) {
	if err := s.resultLink(ctx, tx, e, r, v, files); err != nil {
		return nil, err
	}
	var attach []*ResultFile
	for _, f := range files {
		if s.attachable(f) {
			attach = append(attach, f)
		}
	}
	return attach, nil
}

// mailDetails adds what one kind of email says beyond the envelope: why it
// was declined, or who finished and how many have still to.
func (s *Service) mailDetails(ctx context.Context, tx Tx, e *Envelope, p mailPayload, v *mailView) (err error) {
	switch p.Kind {
	case MailDeclined:
		v.Reason, err = declineReason(ctx, tx, e.ID)
	case MailRecipientCompleted:
		rs, err := tx.RecipientsByEnvelope(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.ID == p.AboutID {
				v.Finished = r
			} else if !r.Done() && r.Role != RoleCC {
				v.Waiting++ // cc recipients never have anything to do
			}
		}
		if v.Finished == nil {
			return permanent(NotFound("recipient " + p.AboutID))
		}
	}
	return err
}

// mintLink creates a recipient token and returns the signing URL that carries it.
func (s *Service) mintLink(ctx context.Context, tx Tx, r *Recipient, kind RecipientTokenKind, expires *time.Time) (string, error) {
	secret, err := s.mintToken(ctx, tx, r, kind, expires)
	return s.Config.PublicURL + "/s/" + secret, err
}

// mintToken creates a recipient token and returns its secret, which exists
// only in what is handed to the recipient.
func (s *Service) mintToken(ctx context.Context, tx Tx, r *Recipient, kind RecipientTokenKind, expires *time.Time) (string, error) {
	secret, hash := NewSecret(SecretRecipient)
	t := &RecipientToken{Hash: hash, EnvelopeID: r.EnvelopeID, RecipientID: r.ID, Kind: kind, CreatedAt: tx.Now()}
	t.ExpiresAt = expires
	if err := tx.CreateRecipientToken(ctx, t); err != nil {
		return "", err
	}
	return secret, nil
}

// attachResults attaches out's result files, the sealed combined PDF
// (documents and certificate of completion), to its message.
func (s *Service) attachResults(ctx context.Context, out *mailOut) error {
	for _, f := range out.attach {
		data, err := s.readBlob(ctx, f.BlobKey, f.Size)
		if err != nil {
			return err
		}
		out.msg.Attachments = append(out.msg.Attachments, Attachment{Name: partFileName(out.envelopeName, PartCombined), ContentType: "application/pdf", Data: data})
	}
	return nil
}

// attachable reports whether a result file goes into the completed email
// itself: the combined PDF, unless it is larger than AttachMaxBytes.
func (s *Service) attachable(f *ResultFile) bool {
	return f.Part == PartCombined && f.Size <= s.Config.AttachMaxBytes
}

// readBlob reads the blob at key whole. sizeHint, the size recorded for
// it (0 if unknown), sizes the buffer up front: io.ReadAll would grow it
// step by step, copying a PDF several times over.
func (s *Service) readBlob(ctx context.Context, key string, sizeHint int64) ([]byte, error) {
	r, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(sizeHint, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return buf.Bytes(), nil
}

func declineReason(ctx context.Context, tx Tx, envelopeID string) (string, error) {
	rs, err := tx.RecipientsByEnvelope(ctx, envelopeID)
	for _, r := range rs {
		if r.Status != RecipientDeclined {
			continue
		}
		if r.DeclineReason == "" {
			return r.Name + " declined.", err
		}
		return r.Name + " declined: " + r.DeclineReason, err
	}
	return "", err
}
