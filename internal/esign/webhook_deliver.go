package esign

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// JobWebhook is the job kind that makes one attempt of a webhook delivery.
const JobWebhook = "webhook"

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // an attempt is due at NextAttemptAt
	DeliverySucceeded DeliveryStatus = "succeeded" // a 2xx answered
	DeliveryFailed    DeliveryStatus = "failed"    // stopped: 410, or the endpoint was disabled or deleted
	DeliveryDead      DeliveryStatus = "dead"      // every attempt of the schedule failed
)

// WebhookDelivery is one event for one endpoint. Its ID is the webhook-id of
// every attempt, and Payload the exact body each attempt sends.
type WebhookDelivery struct {
	ID            string
	OrgID         string
	EndpointID    string
	EventType     EventType
	EnvelopeID    string
	Payload       []byte
	Status        DeliveryStatus
	Attempts      int // attempts made, replays included
	Replays       int // how often it was replayed; numbers the replay jobs
	NextAttemptAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// AttemptLog is filled by listings: the attempts, oldest first.
	AttemptLog []*WebhookAttempt
}

// WebhookAttempt is one entry of a delivery log.
type WebhookAttempt struct {
	ID          string
	DeliveryID  string
	EndpointID  string
	AttemptedAt time.Time
	StatusCode  int
	Duration    time.Duration
	Error       string
	Response    string
}

// WebhookSchedule is when the attempts of a delivery are made, counted from
// the first: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and
// 24 h after the attempt before, each with ±10 % jitter so that many failed
// deliveries do not all come back at once. After the last, the delivery is
// dead and its job dead-lettered.
var WebhookSchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}

// RetryError is a job failure that says when to try again, overriding the
// runner's own backoff (unless the job used up its attempts).
type RetryError struct {
	Err error
	At  time.Time
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

type webhookPayload struct {
	DeliveryID string `json:"delivery_id"`
}

// enqueueDelivery writes the job of d's next attempts, due at runAt. A
// replay gets a job of its own: the first one may be dead-lettered or done.
func enqueueDelivery(ctx context.Context, tx Tx, d *WebhookDelivery, runAt time.Time) error {
	b, _ := json.Marshal(webhookPayload{DeliveryID: d.ID})
	now := tx.Now()
	return tx.EnqueueJobLater(ctx, &Job{
		ID: deliveryJobID(d), Kind: JobWebhook, Payload: b, Status: JobPending, RunAt: runAt,
		MaxAttempts: len(WebhookSchedule), CreatedAt: now, UpdatedAt: now,
	})
}

// deliveryJobID is the id of the job that makes d's attempts now.
func deliveryJobID(d *WebhookDelivery) string {
	id := JobWebhook + ":" + d.ID
	if d.Replays > 0 {
		id += ":replay:" + strconv.Itoa(d.Replays)
	}
	return id
}

// retryDelay is the jittered wait after the attempt-th attempt failed.
func retryDelay(attempt int) time.Duration {
	d := WebhookSchedule[min(attempt, len(WebhookSchedule)-1)]
	if d <= 0 {
		return 0
	}
	return d - d/10 + rand.N(d/5+1)
}

// deliverWebhook makes one attempt of a delivery and records it. It
// returns nil when the delivery needs no more attempts, a RetryError with
// the schedule's next time, or, after the last attempt, an error that
// dead-letters the job.
func (s *Service) deliverWebhook(ctx context.Context, j *Job, deliveryID string) error {
	var d *WebhookDelivery
	var ep *WebhookEndpoint
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		if d, err = tx.WebhookDeliveryByID(ctx, deliveryID); err != nil {
			return err
		}
		ep, err = tx.WebhookEndpointByID(ctx, d.EndpointID)
		return err
	})
	if IsKind(err, KindNotFound) {
		return nil // the endpoint, and with it the delivery, was deleted
	}
	if err != nil {
		return err
	}
	// Only the delivery's current job attempts it: an older one was
	// superseded by a replay. A dead delivery is attempted again when
	// `gsign jobs replay` revives its dead job.
	if j.ID != deliveryJobID(d) || (d.Status != DeliveryPending && d.Status != DeliveryDead) {
		return nil
	}
	if !ep.Enabled {
		return s.recordAttempt(ctx, d, nil, WebhookResult{Err: "endpoint disabled"}, j)
	}
	if s.Webhooks == nil {
		return permanent(fmt.Errorf("deliver %s: webhooks are not configured", d.ID))
	}
	now := s.now()
	secrets, err := s.signingSecrets(ep, now)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", d.ID, err)
	}
	res := s.Webhooks.Deliver(ctx, &WebhookRequest{URL: ep.URL, ID: d.ID, Timestamp: now, Body: d.Payload, Secrets: secrets})
	return s.recordAttempt(ctx, d, ep, res, j)
}

// recordAttempt logs an attempt (none when ep is nil: nothing was sent) and
// settles the delivery; a 410 disables the endpoint.
func (s *Service) recordAttempt(ctx context.Context, d *WebhookDelivery, ep *WebhookEndpoint, res WebhookResult, j *Job) error {
	var next error
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		now := tx.Now()
		cur, err := tx.WebhookDeliveryByID(ctx, d.ID)
		if err != nil {
			return err
		}
		next = settleDelivery(cur, ep, res, j, now)
		if ep != nil {
			cur.Attempts++
			a := &WebhookAttempt{ID: NewID(PrefixWebhookAttempt, now), DeliveryID: d.ID, EndpointID: ep.ID, AttemptedAt: now,
				StatusCode: res.StatusCode, Duration: res.Duration, Error: truncate(CleanText(res.Err), 500), Response: truncate(CleanText(res.Response), 500)}
			if err := tx.AddWebhookAttempt(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.UpdateWebhookDelivery(ctx, cur); err != nil {
			return err
		}
		if ep != nil && res.Gone() {
			return disableGone(ctx, tx, ep.ID, now)
		}
		return nil
	})
	if IsKind(err, KindNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record webhook attempt of %s: %w", d.ID, err)
	}
	return next
}

// settleDelivery sets d's status after an attempt with result res, and
// returns what the job should do: nil to end, a RetryError, or a failure
// that dead-letters it.
func settleDelivery(d *WebhookDelivery, ep *WebhookEndpoint, res WebhookResult, j *Job, now time.Time) error {
	d.UpdatedAt, d.NextAttemptAt = now, nil
	switch {
	case ep == nil || res.Gone():
		d.Status = DeliveryFailed
		return nil
	case res.Succeeded():
		d.Status = DeliverySucceeded
		return nil
	}
	failure := fmt.Errorf("webhook %s: %s", d.ID, res.describe())
	if j.Attempts >= j.MaxAttempts {
		d.Status = DeliveryDead
		return failure
	}
	at := now.Add(retryDelay(j.Attempts))
	d.Status, d.NextAttemptAt = DeliveryPending, &at
	return &RetryError{Err: failure, At: at}
}

func (r WebhookResult) describe() string {
	if r.Err != "" {
		return r.Err
	}
	return "answered HTTP " + strconv.Itoa(r.StatusCode)
}

// disableGone disables an endpoint whose receiver answered 410 Gone.
func disableGone(ctx context.Context, tx Tx, endpointID string, now time.Time) error {
	ep, err := tx.WebhookEndpointByID(ctx, endpointID)
	if err != nil {
		return err
	}
	ep.Enabled, ep.DisabledReason, ep.UpdatedAt = false, "the endpoint answered 410 Gone", now
	return tx.UpdateWebhookEndpoint(ctx, ep)
}

// ReplayWebhookDelivery sends a delivery again, now, with the same
// webhook-id and body: Standard Webhooks makes the id the receiver's
// idempotency key, and a replay is the same message, not a new one. The
// attempts start over on the schedule. A pending delivery is not replayed.
func (s *Service) ReplayWebhookDelivery(ctx context.Context, p *Principal, endpointID, deliveryID string) (*WebhookDelivery, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	var d *WebhookDelivery
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		ep, err := ownedEndpoint(ctx, tx, p, endpointID)
		if err != nil {
			return err
		}
		if d, err = endpointDelivery(ctx, tx, ep, deliveryID); err != nil {
			return err
		}
		if d.Status == DeliveryPending {
			return Errorf(KindConflict, CodeInvalidTransition, "the delivery is still being attempted")
		}
		if !ep.Enabled {
			return Errorf(KindConflict, CodeInvalidTransition, "the endpoint is disabled; enable it first")
		}
		now := tx.Now()
		d.Status, d.Replays, d.NextAttemptAt, d.UpdatedAt = DeliveryPending, d.Replays+1, &now, now
		if err := tx.UpdateWebhookDelivery(ctx, d); err != nil {
			return err
		}
		return enqueueDelivery(ctx, tx, d, now)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return d, nil
}

// endpointDelivery loads a delivery of the endpoint.
func endpointDelivery(ctx context.Context, tx Tx, ep *WebhookEndpoint, deliveryID string) (*WebhookDelivery, error) {
	d, err := tx.WebhookDeliveryByID(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if d.EndpointID != ep.ID {
		return nil, NotFound("webhook delivery")
	}
	return d, nil
}
