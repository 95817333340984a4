package sqldb

import (
	"context"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const endpointCols = `id, org_id, url, description, events, enabled, disabled_reason,
	secret, prev_secret, prev_secret_until, created_at, updated_at`

func scanEndpoint(s rowScanner) (*esign.WebhookEndpoint, error) {
	ep := &esign.WebhookEndpoint{}
	return ep, s.Scan(&ep.ID, &ep.OrgID, &ep.URL, &ep.Description, jsonCol{&ep.Events}, &ep.Enabled, &ep.DisabledReason,
		&ep.Secret, &ep.PrevSecret, nullTimeCol{&ep.PrevSecretUntil}, timeCol{&ep.CreatedAt}, timeCol{&ep.UpdatedAt})
}

// CreateWebhookEndpoint inserts ep.
func (t *tx) CreateWebhookEndpoint(ctx context.Context, ep *esign.WebhookEndpoint) error {
	events, err := jsonText(ep.Events)
	if err != nil {
		return err
	}
	t.forgetEndpoints()
	return t.insert(ctx, "webhook endpoint", insertSQL("webhook_endpoints", endpointCols),
		ep.ID, ep.OrgID, ep.URL, ep.Description, events, ep.Enabled, ep.DisabledReason,
		ep.Secret, ep.PrevSecret, nullMicros(ep.PrevSecretUntil), micros(ep.CreatedAt), micros(ep.UpdatedAt))
}

// WebhookEndpointByID returns the endpoint with the id, whatever its organization.
func (t *tx) WebhookEndpointByID(ctx context.Context, id string) (*esign.WebhookEndpoint, error) {
	return getOne(ctx, t, "webhook endpoint", scanEndpoint, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = ?`, id)
}

// WebhookEndpointsByOrg returns the organization's endpoints, oldest first,
// from the index on (org_id, created_at): once per transaction, unless it
// writes endpoints or reads an envelope of the organization in between
// (endpoint_hints.go).
func (t *tx) WebhookEndpointsByOrg(ctx context.Context, orgID string) ([]*esign.WebhookEndpoint, error) {
	if eps, ok := t.listedEndpoints(orgID); ok {
		return eps, nil
	}
	eps, err := getAll(ctx, t, "webhook endpoints", scanEndpoint,
		`SELECT `+endpointCols+` FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at, id`, orgID)
	if err == nil {
		t.noteListed(orgID, eps)
	}
	return eps, err
}

// UpdateWebhookEndpoint writes every mutable column of ep.
func (t *tx) UpdateWebhookEndpoint(ctx context.Context, ep *esign.WebhookEndpoint) error {
	events, err := jsonText(ep.Events)
	if err != nil {
		return err
	}
	const q = `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, enabled = ?, disabled_reason = ?,
		secret = ?, prev_secret = ?, prev_secret_until = ?, updated_at = ? WHERE id = ?`
	t.forgetEndpoints()
	return t.updateOne(ctx, "webhook endpoint", ep.ID, q, ep.URL, ep.Description, events, ep.Enabled, ep.DisabledReason,
		ep.Secret, ep.PrevSecret, nullMicros(ep.PrevSecretUntil), micros(ep.UpdatedAt), ep.ID)
}

// DeleteWebhookEndpoint deletes the endpoint; its deliveries and their
// attempts go with it (ON DELETE CASCADE).
func (t *tx) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	t.forgetEndpoints()
	return t.updateOne(ctx, "webhook endpoint", id, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
}

const deliveryCols = `id, org_id, endpoint_id, event_type, envelope_id, payload, status,
	attempts, replays, next_attempt_at, created_at, updated_at`

func scanDelivery(s rowScanner) (*esign.WebhookDelivery, error) {
	d := &esign.WebhookDelivery{}
	return d, s.Scan(&d.ID, &d.OrgID, &d.EndpointID, &d.EventType, &d.EnvelopeID, &d.Payload, &d.Status,
		&d.Attempts, &d.Replays, nullTimeCol{&d.NextAttemptAt}, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
}

// CreateWebhookDelivery inserts d.
func (t *tx) CreateWebhookDelivery(ctx context.Context, d *esign.WebhookDelivery) error {
	return t.insert(ctx, "webhook delivery", insertSQL("webhook_deliveries", deliveryCols),
		d.ID, d.OrgID, d.EndpointID, string(d.EventType), d.EnvelopeID, blob(d.Payload), string(d.Status),
		d.Attempts, d.Replays, nullMicros(d.NextAttemptAt), micros(d.CreatedAt), micros(d.UpdatedAt))
}

// WebhookDeliveryByID returns the delivery with the id.
func (t *tx) WebhookDeliveryByID(ctx context.Context, id string) (*esign.WebhookDelivery, error) {
	return getOne(ctx, t, "webhook delivery", scanDelivery, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`, id)
}

// UpdateWebhookDelivery writes the columns an attempt or a replay changes.
func (t *tx) UpdateWebhookDelivery(ctx context.Context, d *esign.WebhookDelivery) error {
	const q = `UPDATE webhook_deliveries SET status = ?, attempts = ?, replays = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`
	return t.updateOne(ctx, "webhook delivery", d.ID, q, string(d.Status), d.Attempts, d.Replays, nullMicros(d.NextAttemptAt), micros(d.UpdatedAt), d.ID)
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, paging
// by (created_at, id) as ListEnvelopes does.
func (t *tx) WebhookDeliveries(ctx context.Context, f esign.DeliveryFilter) ([]*esign.WebhookDelivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE endpoint_id = ?`
	q, args := pageSQL(q, []any{f.EndpointID}, f.BeforeCreatedAt, f.BeforeID, f.Limit)
	return getAll(ctx, t, "webhook deliveries", scanDelivery, q, args...)
}

// pageSQL appends the cursor condition, the newest-first order and the
// limit (none when 0) to q, which has a WHERE clause.
func pageSQL(q string, args []any, before time.Time, beforeID string, limit int) (string, []any) {
	if !before.IsZero() {
		q += ` AND (created_at, id) < (?, ?)`
		args = append(args, micros(before), beforeID)
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	return q, args
}

const attemptCols = `id, delivery_id, endpoint_id, attempted_at, status_code, duration_us, error, response`

func scanAttempt(s rowScanner) (*esign.WebhookAttempt, error) {
	a := &esign.WebhookAttempt{}
	var us int64
	err := s.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, timeCol{&a.AttemptedAt}, &a.StatusCode, &us, &a.Error, &a.Response)
	a.Duration = time.Duration(us) * time.Microsecond
	return a, err
}

// AddWebhookAttempt inserts a.
func (t *tx) AddWebhookAttempt(ctx context.Context, a *esign.WebhookAttempt) error {
	return t.insert(ctx, "webhook attempt", insertSQL("webhook_attempts", attemptCols),
		a.ID, a.DeliveryID, a.EndpointID, micros(a.AttemptedAt), a.StatusCode, a.Duration.Microseconds(), a.Error, a.Response)
}

// WebhookAttempts returns the attempts of the deliveries, oldest first.
func (t *tx) WebhookAttempts(ctx context.Context, deliveryIDs []string) ([]*esign.WebhookAttempt, error) {
	if len(deliveryIDs) == 0 {
		return []*esign.WebhookAttempt{}, nil
	}
	args := make([]any, len(deliveryIDs))
	for i, id := range deliveryIDs {
		args[i] = id
	}
	q := `SELECT ` + attemptCols + ` FROM webhook_attempts WHERE delivery_id IN (?` + strings.Repeat(`, ?`, len(args)-1) +
		`) ORDER BY attempted_at, id`
	return getAll(ctx, t, "webhook attempts", scanAttempt, q, args...)
}
