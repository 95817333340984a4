package esign

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// EventType names a domain event that organizations can subscribe webhook
// endpoints to. The names are part of the webhook contract: never rename one.
type EventType string

// Event types.
const (
	EventEnvelopeSent      EventType = "envelope.sent"
	EventEnvelopeDelivered EventType = "envelope.delivered" // the envelope's first view by any recipient
	EventEnvelopeCompleted EventType = "envelope.completed"
	EventEnvelopeDeclined  EventType = "envelope.declined"
	EventEnvelopeVoided    EventType = "envelope.voided"
	EventEnvelopeExpired   EventType = "envelope.expired"
	EventRecipientViewed   EventType = "recipient.viewed" // a recipient's first view
	EventRecipientSigned   EventType = "recipient.signed" // a signer signed, or an approver approved
	EventRecipientDeclined EventType = "recipient.declined"
)

// EventTypes lists every event type, in the order documentation shows them.
var EventTypes = []EventType{
	EventEnvelopeSent, EventEnvelopeDelivered, EventEnvelopeCompleted, EventEnvelopeDeclined,
	EventEnvelopeVoided, EventEnvelopeExpired, EventRecipientViewed, EventRecipientSigned, EventRecipientDeclined,
}

// Valid reports whether t is a known event type.
func (t EventType) Valid() bool { return slices.Contains(EventTypes, t) }

// auditEvents maps the audit actions that record a fact to the events that
// announce it, so that an event is raised exactly when, and in the same
// transaction as, the audit event. envelope.delivered is not here: a
// recipient's first view is the envelope's first only when the envelope was
// still "sent", which markDelivered knows and passes along.
//
// envelope.completed fires at result_ready, not at completed: consumers
// (as with Documenso's and DocuSign's completion events) fetch the signed
// document when told of completion, and before result_ready the download
// answers 409 result_pending. The price: an envelope whose sealing fails
// for good never announces completion; its owner sees result_status failed.
var auditEvents = map[string][]EventType{
	AuditSent:        {EventEnvelopeSent},
	AuditViewed:      {EventRecipientViewed},
	AuditSigned:      {EventRecipientSigned},
	AuditApproved:    {EventRecipientSigned},
	AuditDeclined:    {EventRecipientDeclined, EventEnvelopeDeclined},
	AuditVoided:      {EventEnvelopeVoided},
	AuditExpired:     {EventEnvelopeExpired},
	AuditResultReady: {EventEnvelopeCompleted},
}

// notifiedEvents are the events the envelope's owner gets an in-app
// notification for: the outcomes a sender acts on, and each signature, which
// tells them the envelope moves. Views and sends are the sender's own doing
// or too frequent to be worth a notification.
var notifiedEvents = []EventType{
	EventEnvelopeCompleted, EventEnvelopeDeclined, EventEnvelopeVoided, EventEnvelopeExpired, EventRecipientSigned,
}

// Event is a domain event as webhooks deliver it: the JSON body is
// {"type", "timestamp", "data"}.
type Event struct {
	Type      EventType `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is what an event says about its envelope and recipient.
type EventData struct {
	Envelope  EventEnvelope   `json:"envelope"`
	Recipient *EventRecipient `json:"recipient,omitempty"`
	Reason    string          `json:"reason,omitempty"` // of a decline or a void
}

// EventEnvelope identifies the envelope of an event.
type EventEnvelope struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Status EnvelopeStatus `json:"status"`
}

// EventRecipient identifies the recipient of a recipient.* event.
type EventRecipient struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Email  string          `json:"email"`
	Role   RecipientRole   `json:"role"`
	Status RecipientStatus `json:"status"`
}

// raiseEvents raises the events that the audit event ev announces (and
// also, which the caller knows of), in ev's transaction: a webhook delivery
// and its outbox job for every enabled endpoint of the organization that
// subscribed to the event, and a notification of the envelope's owner for
// the notified events. An organization without endpoints costs no query
// when the transaction read e from the store (EndpointHints), one indexed
// query otherwise (and a notification insert for the notified events), and
// only for the audit actions that raise events.
func raiseEvents(ctx context.Context, tx Tx, e *Envelope, ev *AuditEvent, also ...EventType) error {
	types := append(slices.Clone(auditEvents[ev.Type]), also...)
	if len(types) == 0 {
		return nil
	}
	eps, err := endpointsOf(ctx, tx, e.OrgID)
	if err != nil {
		return fmt.Errorf("raise events of %s: %w", e.ID, err)
	}
	var data *EventData
	for _, typ := range types {
		if subs := subscribed(eps, typ); len(subs) > 0 {
			if data == nil {
				if data, err = eventData(ctx, tx, e, ev); err != nil {
					return err
				}
			}
			if err := enqueueDeliveries(ctx, tx, e, &Event{Type: typ, Timestamp: ev.OccurredAt, Data: *data}, subs); err != nil {
				return err
			}
		}
		if slices.Contains(notifiedEvents, typ) {
			if err := notifyOwner(ctx, tx, e, typ, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// EndpointHints is what a transaction can tell, without a statement of its
// own, of whether an organization has webhook endpoints. Most organizations
// have none, and every audited change would otherwise look them up only to
// find nothing: a round trip on PostgreSQL. sqldb's transactions learn it
// from every read of an envelope (which reads along whether the envelope's
// organization has endpoints) and of an organization's endpoints, and forget
// it when they write endpoints. What a transaction knows is as of its own
// reads, so it is never older than the transaction; a Tx that does not
// implement EndpointHints, or knows nothing of the organization, costs the
// lookup.
type EndpointHints interface {
	// KnownWebhookEndpoints reports whether the transaction knows if the
	// organization has any webhook endpoint (known), and if so whether it
	// has (has), as of the transaction's latest read that told.
	KnownWebhookEndpoints(orgID string) (has, known bool)
}

// endpointsOf returns the organization's endpoints: none, without a
// statement, when tx already knows that there are none.
func endpointsOf(ctx context.Context, tx Tx, orgID string) ([]*WebhookEndpoint, error) {
	if h, ok := tx.(EndpointHints); ok {
		if has, known := h.KnownWebhookEndpoints(orgID); known && !has {
			return nil, nil
		}
	}
	return tx.WebhookEndpointsByOrg(ctx, orgID)
}

// subscribed returns the enabled endpoints subscribed to typ.
func subscribed(eps []*WebhookEndpoint, typ EventType) []*WebhookEndpoint {
	var out []*WebhookEndpoint
	for _, ep := range eps {
		if ep.Enabled && slices.Contains(ep.Events, typ) {
			out = append(out, ep)
		}
	}
	return out
}

// eventData describes e, and the recipient ev names, if any.
func eventData(ctx context.Context, tx Tx, e *Envelope, ev *AuditEvent) (*EventData, error) {
	d := &EventData{Envelope: EventEnvelope{ID: e.ID, Name: e.Name, Status: e.Status}, Reason: ev.Data["reason"]}
	rid := ev.Data["recipient_id"]
	if rid == "" {
		return d, nil
	}
	rs, err := tx.RecipientsByEnvelope(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ID == rid {
			d.Recipient = &EventRecipient{ID: r.ID, Name: r.Name, Email: r.Email, Role: r.Role, Status: r.Status}
		}
	}
	return d, nil
}

// enqueueDeliveries writes one delivery, with its body fixed now so that
// every retry and replay sends the same bytes, and one job per endpoint.
func enqueueDeliveries(ctx context.Context, tx Tx, e *Envelope, evt *Event, eps []*WebhookEndpoint) error {
	if len(eps) == 0 {
		return nil
	}
	body, err := json.Marshal(evt)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", evt.Type, err)
	}
	now := tx.Now()
	for _, ep := range eps {
		d := &WebhookDelivery{
			ID: NewID(PrefixWebhookMessage, now), OrgID: e.OrgID, EndpointID: ep.ID, EventType: evt.Type,
			EnvelopeID: e.ID, Payload: body, Status: DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
			return err
		}
		if err := enqueueDelivery(ctx, tx, d, now); err != nil {
			return err
		}
	}
	return nil
}
