package esign

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// EnvelopeDetail is an envelope with everything it contains.
type EnvelopeDetail struct {
	Envelope *Envelope
	EnvelopeContents
}

// EnvelopeContents are what an envelope holds, each in its listing order.
type EnvelopeContents struct {
	Documents  []*Document
	Recipients []*Recipient
	Fields     []*Field
}

// EnvelopeRecord is an envelope with all that is recorded of it: its
// contents, signatures and audit trail, its owner and its organization, as
// finalize reads them to seal it.
type EnvelopeRecord struct {
	Envelope *Envelope
	EnvelopeContents
	Signatures []*Signature
	Audit      []*AuditEvent
	Owner      *User
	Org        *Organization
}

// EnvelopeMailing is what an email about an envelope shows of it: the
// envelope, its owner (the sender), its organization's branding (nil when
// the organization has set none) and its result files (none before it is
// sealed).
type EnvelopeMailing struct {
	Envelope *Envelope
	Owner    *User
	Branding *Branding
	Results  []*ResultFile
}

// CreateEnvelopeInput is a new draft.
type CreateEnvelopeInput struct {
	Name      string
	Subject   string
	Message   string
	ExpiresAt *time.Time
	Reminders ReminderSettings
	// TeamID, when set, shares the envelope with a team of the caller's.
	TeamID string
}

// CreateEnvelope creates a draft owned by the caller's organization.
func (s *Service) CreateEnvelope(ctx context.Context, p *Principal, in CreateEnvelopeInput) (*EnvelopeDetail, error) {
	if err := p.Require(PermEnvelopeCreate); err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	var d *EnvelopeDetail
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		e, err := createDraft(ctx, tx, p, NewID(PrefixEnvelope, tx.Now()), in)
		if err != nil {
			return err
		}
		d = &EnvelopeDetail{Envelope: e}
		return nil
	})
	return d, err
}

// clean checks and normalizes what needs no transaction: the name, subject
// and message.
func (in *CreateEnvelopeInput) clean() error {
	name, err := requireText("name", in.Name, 200)
	if err != nil {
		return err
	}
	subject, message := strings.TrimSpace(CleanText(in.Subject)), strings.TrimSpace(CleanText(in.Message))
	if len(subject) > 500 {
		return Invalid("subject", "is too long (at most 500 bytes)")
	}
	if len(message) > 10000 {
		return Invalid("message", "is too long (at most 10000 bytes)")
	}
	in.Name, in.Subject, in.Message = name, subject, message
	return nil
}

// createDraft creates the draft id from a cleaned input, with its first
// audit event.
func createDraft(ctx context.Context, tx Tx, p *Principal, id string, in CreateEnvelopeInput) (*Envelope, error) {
	now := tx.Now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, Invalid("expires_at", "must be in the future")
	}
	if err := checkEnvelopeTeam(ctx, tx, p, in.TeamID); err != nil {
		return nil, err
	}
	e := &Envelope{
		ID: id, OrgID: p.OrgID, OwnerID: p.UserID, TeamID: in.TeamID,
		Name: in.Name, Subject: in.Subject, Message: in.Message, Status: StatusDraft,
		ExpiresAt: utcPtr(in.ExpiresAt), CreatedAt: now, UpdatedAt: now,
	}
	if err := in.Reminders.apply(e, now); err != nil {
		return nil, err
	}
	if err := tx.CreateEnvelope(ctx, e); err != nil {
		return nil, err
	}
	return e, appendAudit(ctx, tx, e, AuditCreated, p.actor(ctx), in.Reminders.auditData(map[string]string{"name": in.Name}))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// GetEnvelope returns an envelope of the caller's organization.
func (s *Service) GetEnvelope(ctx context.Context, p *Principal, id string) (*EnvelopeDetail, error) {
	var d *EnvelopeDetail
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		e, err := ownedEnvelope(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		d, err = loadDetail(ctx, tx, e)
		return err
	})
	return d, err
}

// ownedEnvelope loads (and with lock, locks) an envelope the caller may
// read; see envelopeFor.
func ownedEnvelope(ctx context.Context, tx Tx, p *Principal, id string, lock bool) (*Envelope, error) {
	return envelopeFor(ctx, tx, p, id, PermEnvelopeRead, lock)
}

// envelopeFor loads (and with lock, locks) an envelope for doing perm to
// it. Another organization's envelope, or one outside the caller's scope,
// is not found, exactly like a missing id; a visible envelope the caller's
// role may not do perm to is 403 forbidden_role.
func envelopeFor(ctx context.Context, tx Tx, p *Principal, id string, perm Permission, lock bool) (*Envelope, error) {
	get := tx.EnvelopeByID
	if lock {
		get = tx.LockEnvelope
	}
	e, err := get(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.OrgID != p.OrgID || !p.envelopeScope().Contains(e) {
		return nil, NotFound("envelope")
	}
	if err := p.Require(perm); err != nil {
		return nil, err
	}
	return e, nil
}

func loadDetail(ctx context.Context, tx Tx, e *Envelope) (*EnvelopeDetail, error) {
	c, err := tx.EnvelopeContents(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return &EnvelopeDetail{Envelope: e, EnvelopeContents: *c}, nil
}

// EnvelopePage is one page of a listing.
type EnvelopePage struct {
	Items      []*Envelope
	NextCursor string
}

// ListInput selects a page of envelopes.
type ListInput struct {
	Status string
	Limit  int
	Cursor string
	Query  string // text in the name or subject
}

// MaxSearchRunes bounds a listing's search text.
const MaxSearchRunes = 200

// ListEnvelopes lists the organization's envelopes the caller sees, newest first.
func (s *Service) ListEnvelopes(ctx context.Context, p *Principal, in ListInput) (*EnvelopePage, error) {
	if err := p.Require(PermEnvelopeRead); err != nil {
		return nil, err
	}
	scope := p.envelopeScope()
	f := EnvelopeFilter{OrgID: p.OrgID, Search: strings.TrimSpace(in.Query), Scope: &scope}
	if utf8.RuneCountInString(f.Search) > MaxSearchRunes || !utf8.ValidString(f.Search) {
		return nil, Invalid("q", "must be UTF-8 text of at most 200 characters")
	}
	if in.Status != "" {
		f.Status = EnvelopeStatus(in.Status)
		if !f.Status.Valid() {
			return nil, Invalid("status", "is not an envelope status")
		}
	}
	var err error
	if f.Limit, f.BeforeCreatedAt, f.BeforeID, err = pageParams(in, PrefixEnvelope); err != nil {
		return nil, err
	}
	page := &EnvelopePage{}
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		f.Limit++ // one more tells whether there is a next page
		items, err := tx.ListEnvelopes(ctx, f)
		if err != nil {
			return err
		}
		page.Items, page.NextCursor = trimPage(items, f.Limit, func(e *Envelope) (time.Time, string) { return e.CreatedAt, e.ID })
		return nil
	})
	return page, err
}

// appendAudit adds an event to e's chain and persists e with its new head, so
// the state change, the envelope row and the event commit together.
//
// It is also where domain events are raised (raiseEvents, events.go): the
// audit action says which; also adds events only the caller can tell.
func appendAudit(ctx context.Context, tx Tx, e *Envelope, typ string, a Actor, data map[string]string, also ...EventType) error {
	prev := e.AuditHead
	if e.AuditSeq == 0 {
		prev = GenesisHash
	}
	clean := make(map[string]string, len(data))
	for k, v := range data {
		clean[CleanText(k)] = CleanText(v)
	}
	ev := &AuditEvent{
		EnvelopeID: e.ID, Seq: e.AuditSeq + 1, Version: AuditEncodingVersion, Type: typ,
		Actor:      Actor{Type: a.Type, ID: CleanText(a.ID), Email: CleanText(a.Email), IP: CleanText(a.IP), UserAgent: CleanText(truncate(a.UserAgent, 512))},
		OccurredAt: tx.Now(), Data: clean, PreviousHash: prev,
	}
	h, err := ev.ComputeHash()
	if err != nil {
		return err
	}
	ev.Hash = h
	if err := tx.AppendAudit(ctx, ev); err != nil {
		return fmt.Errorf("append audit %s to %s: %w", typ, e.ID, err)
	}
	e.AuditSeq, e.AuditHead, e.UpdatedAt = ev.Seq, ev.Hash, tx.Now()
	if err := tx.UpdateEnvelope(ctx, e); err != nil {
		return err
	}
	return raiseEvents(ctx, tx, e, ev, also...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func systemActor() Actor { return Actor{Type: ActorSystem, ID: "gsign"} }
