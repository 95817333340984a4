package esign

import (
	"context"
	"time"
)

// DeliveryFilter selects an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	EndpointID string
	// Cursor: deliveries strictly older than (CreatedAt, ID).
	BeforeCreatedAt time.Time
	BeforeID        string
	Limit           int
}

// DeliveryPage is one page of a delivery log.
type DeliveryPage struct {
	Items      []*WebhookDelivery
	NextCursor string
}

// WebhookDeliveries returns a page of an endpoint's delivery log, newest
// first, each delivery with its attempts.
func (s *Service) WebhookDeliveries(ctx context.Context, p *Principal, endpointID string, in ListInput) (*DeliveryPage, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	f := DeliveryFilter{EndpointID: endpointID}
	var err error
	if f.Limit, f.BeforeCreatedAt, f.BeforeID, err = pageParams(in, PrefixWebhookMessage); err != nil {
		return nil, err
	}
	page := &DeliveryPage{}
	err = s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := ownedEndpoint(ctx, tx, p, endpointID); err != nil {
			return err
		}
		f.Limit++ // one more tells whether there is a next page
		items, err := tx.WebhookDeliveries(ctx, f)
		if err != nil {
			return err
		}
		page.Items, page.NextCursor = trimPage(items, f.Limit, func(d *WebhookDelivery) (time.Time, string) { return d.CreatedAt, d.ID })
		return attachAttempts(ctx, tx, page.Items)
	})
	return page, err
}

// attachAttempts fills the AttemptLog of each delivery with one query.
func attachAttempts(ctx context.Context, tx Tx, ds []*WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]string, len(ds))
	byID := make(map[string]*WebhookDelivery, len(ds))
	for i, d := range ds {
		ids[i], byID[d.ID] = d.ID, d
		d.AttemptLog = []*WebhookAttempt{}
	}
	as, err := tx.WebhookAttempts(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range as {
		if d := byID[a.DeliveryID]; d != nil {
			d.AttemptLog = append(d.AttemptLog, a)
		}
	}
	return nil
}
