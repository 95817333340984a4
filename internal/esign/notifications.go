package esign

import (
	"context"
	"time"
)

// Notification tells a sender, in the app, that something happened to one
// of their envelopes. It is written in the transaction of the event.
type Notification struct {
	ID          string
	OrgID       string
	UserID      string
	Type        EventType
	EnvelopeID  string
	RecipientID string // for recipient events
	// Message is a short sentence for people, fixed when the event happened.
	Message   string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// NotificationFilter selects a user's notifications, newest first.
type NotificationFilter struct {
	UserID          string
	UnreadOnly      bool
	BeforeCreatedAt time.Time
	BeforeID        string
	Limit           int
}

// NotificationPage is one page of notifications.
type NotificationPage struct {
	Items      []*Notification
	NextCursor string
}

// notifyOwner writes the notification of an event of type typ, which ev
// records, for e's owner. It reads nothing: the recipient who acted is the
// audit event's actor.
func notifyOwner(ctx context.Context, tx Tx, e *Envelope, typ EventType, ev *AuditEvent) error {
	n := &Notification{ID: NewID(PrefixNotification, tx.Now()), OrgID: e.OrgID, UserID: e.OwnerID, Type: typ,
		EnvelopeID: e.ID, RecipientID: ev.Data["recipient_id"], Message: notificationMessage(e, typ, ev), CreatedAt: tx.Now()}
	return tx.CreateNotification(ctx, n)
}

func notificationMessage(e *Envelope, typ EventType, ev *AuditEvent) string {
	name := `"` + truncate(e.Name, 200) + `"`
	switch typ {
	case EventEnvelopeCompleted:
		return name + " is completed; the signed documents are ready"
	case EventEnvelopeDeclined:
		return name + " was declined"
	case EventEnvelopeVoided:
		return name + " was voided"
	case EventEnvelopeExpired:
		return name + " expired"
	case EventRecipientSigned:
		if ev.Actor.Type == ActorRecipient && ev.Actor.Email != "" {
			return ev.Actor.Email + " signed " + name
		}
	}
	return name + ": " + string(typ)
}

// Notifications lists the caller's notifications, newest first; with
// UnreadOnly, only those not read yet.
func (s *Service) Notifications(ctx context.Context, p *Principal, in ListInput, unreadOnly bool) (*NotificationPage, error) {
	if err := p.Require(PermAccount); err != nil {
		return nil, err
	}
	f := NotificationFilter{UserID: p.UserID, UnreadOnly: unreadOnly}
	var err error
	if f.Limit, f.BeforeCreatedAt, f.BeforeID, err = pageParams(in, PrefixNotification); err != nil {
		return nil, err
	}
	page := &NotificationPage{}
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		f.Limit++ // one more tells whether there is a next page
		items, err := tx.ListNotifications(ctx, f)
		if err != nil {
			return err
		}
		page.Items, page.NextCursor = trimPage(items, f.Limit, func(n *Notification) (time.Time, string) { return n.CreatedAt, n.ID })
		return nil
	})
	return page, err
}

// MarkNotificationRead marks one of the caller's notifications read; marking
// it again changes nothing. Another user's is not found.
func (s *Service) MarkNotificationRead(ctx context.Context, p *Principal, id string) (*Notification, error) {
	if err := p.Require(PermAccount); err != nil {
		return nil, err
	}
	var n *Notification
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if n, err = tx.NotificationByID(ctx, id); err != nil {
			return err
		}
		if n.UserID != p.UserID {
			return NotFound("notification")
		}
		if n.ReadAt != nil {
			return nil
		}
		now := tx.Now()
		n.ReadAt = &now
		_, err = tx.MarkNotificationsRead(ctx, p.UserID, id, now)
		return err
	})
	return n, err
}

// MarkAllNotificationsRead marks every unread notification of the caller
// read and reports how many it marked.
func (s *Service) MarkAllNotificationsRead(ctx context.Context, p *Principal) (int64, error) {
	if err := p.Require(PermAccount); err != nil {
		return 0, err
	}
	var n int64
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		n, err = tx.MarkNotificationsRead(ctx, p.UserID, "", tx.Now())
		return err
	})
	return n, err
}
