package esign

import (
	"context"
	"strconv"
)

// activeOrder returns the lowest routing order that still has a recipient
// who has not finished, and false when everyone has.
func activeOrder(rs []*Recipient) (int, bool) {
	order, ok := 0, false
	for _, r := range rs {
		if !r.Done() && (!ok || r.RoutingOrder < order) {
			order, ok = r.RoutingOrder, true
		}
	}
	return order, ok
}

// isTurn reports whether r belongs to the active routing group.
func isTurn(r *Recipient, rs []*Recipient) bool {
	order, ok := activeOrder(rs)
	return ok && r.RoutingOrder == order
}

// advance moves routing forward after a change: it notifies the recipients of
// the active group who have not been notified, lets cc recipients through at
// once (they never block), and completes the envelope when nobody is left.
func (s *Service) advance(ctx context.Context, tx Tx, e *Envelope, rs []*Recipient) error {
	for {
		order, ok := activeOrder(rs)
		if !ok {
			return s.completeEnvelope(ctx, tx, e)
		}
		progressed, err := s.activateGroup(ctx, tx, e, rs, order)
		if err != nil || !progressed {
			return err
		}
	}
}

// activateGroup notifies the group's new recipients; it reports whether the
// group finished on its own (only cc recipients), so the next one can start.
func (s *Service) activateGroup(ctx context.Context, tx Tx, e *Envelope, rs []*Recipient, order int) (bool, error) {
	progressed := false
	for _, r := range rs {
		if r.RoutingOrder != order || r.Status != RecipientCreated {
			continue
		}
		now := tx.Now()
		r.Status, r.SentAt = RecipientSent, &now
		kind := MailSignRequest
		if r.Role == RoleCC {
			r.Status, r.CompletedAt, progressed, kind = RecipientCompleted, &now, true, MailCopy
		}
		scheduleFirstReminder(e, r, now)
		if err := tx.UpdateRecipient(ctx, r); err != nil {
			return false, err
		}
		if err := mailRecipient(ctx, tx, e, kind, r); err != nil {
			return false, err
		}
		if kind == MailSignRequest {
			if err := smsRecipient(ctx, tx, e, kind, r, ""); err != nil {
				return false, err
			}
		}
	}
	return progressed, nil
}

// completeEnvelope marks e completed and schedules its results.
func (s *Service) completeEnvelope(ctx context.Context, tx Tx, e *Envelope) error {
	to, err := Transition(e.Status, EventComplete)
	if err != nil {
		return err
	}
	now := tx.Now()
	e.Status, e.CompletedAt, e.ResultStatus = to, &now, ResultPending
	if err := appendAudit(ctx, tx, e, AuditCompleted, systemActor(), map[string]string{"status": string(to)}); err != nil {
		return err
	}
	return enqueue(ctx, tx, JobFinalize, e.ID, finalizePayload{EnvelopeID: e.ID}, now)
}

// groupSummary describes routing for error messages.
func groupSummary(r *Recipient, rs []*Recipient) string {
	order, _ := activeOrder(rs)
	return "routing order " + strconv.Itoa(r.RoutingOrder) + " waits for order " + strconv.Itoa(order) + " to finish"
}
