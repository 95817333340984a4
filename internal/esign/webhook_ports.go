package esign

import (
	"context"
	"time"
)

// WebhookRequest is one delivery attempt, as the Webhooks port sends it.
type WebhookRequest struct {
	URL string
	// ID is the webhook-id header: the delivery's id, the same on every
	// attempt and replay, so receivers can deduplicate.
	ID string
	// Timestamp is the webhook-timestamp header: when this attempt is made.
	Timestamp time.Time
	Body      []byte
	// Secrets sign the attempt, one webhook-signature entry each: two during
	// a rotation's overlap.
	Secrets []string
}

// WebhookResult is what became of an attempt.
type WebhookResult struct {
	StatusCode int // 0 when no response came
	Duration   time.Duration
	Err        string // transport failure (refused address, timeout, …), if any
	Response   string // the start of the response body, for the delivery log
}

// Succeeded reports whether the receiver accepted the message: any 2xx.
func (r WebhookResult) Succeeded() bool {
	return r.Err == "" && r.StatusCode >= 200 && r.StatusCode < 300
}

// Gone reports a 410, with which a receiver says it wants no more messages.
func (r WebhookResult) Gone() bool { return r.Err == "" && r.StatusCode == 410 }

// Webhooks sends webhook attempts to URLs that may lead anywhere, so it
// guards against server-side request forgery.
type Webhooks interface {
	// CheckURL refuses a URL the sender would refuse to connect to: an
	// *Error of KindInvalid, code CodeURLNotAllowed.
	CheckURL(ctx context.Context, rawURL string) error
	// Deliver makes one attempt, with a short timeout, never following
	// redirects.
	Deliver(ctx context.Context, r *WebhookRequest) WebhookResult
}
