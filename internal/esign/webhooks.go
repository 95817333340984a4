package esign

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Identifier prefixes of webhook rows. A delivery's id is the webhook-id
// header of every attempt, so it carries Standard Webhooks' customary "msg".
const (
	PrefixWebhookEndpoint = "whe"
	PrefixWebhookMessage  = "msg"
	PrefixWebhookAttempt  = "wha"
	PrefixNotification    = "ntf"
)

// WebhookSecretPrefix starts every webhook signing secret, as the Standard
// Webhooks specification has it; the rest is base64 of the key.
const WebhookSecretPrefix = "whsec_"

// Webhook limits.
const (
	// WebhookSecretBytes is the key size of new secrets; the specification
	// asks for 24 to 64 bytes.
	WebhookSecretBytes = 32
	// WebhookSecretOverlap is how long a rotated-out secret keeps signing
	// next to the new one, so receivers can switch without losing messages.
	WebhookSecretOverlap = 24 * time.Hour
	// MaxWebhookEndpoints bounds an organization's endpoints, and with it the
	// fan-out of one event.
	MaxWebhookEndpoints = 20
	maxWebhookURLLen    = 2048
)

// WebhookEndpoint is where an organization wants events sent.
type WebhookEndpoint struct {
	ID          string
	OrgID       string
	URL         string
	Description string
	Events      []EventType
	Enabled     bool
	// DisabledReason says why GSign disabled it (a 410 answer); empty when a
	// person did, or when it is enabled.
	DisabledReason string
	// Secret is the signing secret as stored: sealed by the Service's
	// SecretBox (the API shows it in the clear once, when it is made).
	Secret string
	// PrevSecret signs too until PrevSecretUntil: the rotation overlap.
	PrevSecret      string
	PrevSecretUntil *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// signingSecrets are the secrets a delivery at now is signed with, opened:
// the current one, and the previous one during its overlap.
func (s *Service) signingSecrets(ep *WebhookEndpoint, now time.Time) ([]string, error) {
	stored := []string{ep.Secret}
	if ep.PrevSecret != "" && ep.PrevSecretUntil != nil && now.Before(*ep.PrevSecretUntil) {
		stored = append(stored, ep.PrevSecret)
	}
	out := make([]string, len(stored))
	for i, v := range stored {
		var err error
		if out[i], err = s.Secrets.Open(v, ep.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WebhookEndpointInput creates or changes an endpoint. On update, nil
// fields stay as they are.
type WebhookEndpointInput struct {
	URL         *string
	Events      []EventType // nil: unchanged
	Description *string
	Enabled     *bool
}

// CreateWebhookEndpoint adds an endpoint. It returns its secret in the
// clear, the only time the API shows it.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, p *Principal, in WebhookEndpointInput) (*WebhookEndpoint, string, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, "", err
	}
	if in.URL == nil {
		return nil, "", Invalid("url", "is required")
	}
	if in.Events == nil {
		return nil, "", Invalid("events", "is required")
	}
	in, err := s.checkEndpointInput(ctx, in)
	if err != nil {
		return nil, "", err
	}
	secret := NewWebhookSecret()
	ep := &WebhookEndpoint{OrgID: p.OrgID, Enabled: true}
	applyEndpointInput(ep, in)
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		eps, err := tx.WebhookEndpointsByOrg(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if len(eps) >= MaxWebhookEndpoints {
			return Invalid("url", "the organization already has the most endpoints allowed (20)")
		}
		now := tx.Now()
		ep.ID, ep.CreatedAt, ep.UpdatedAt = NewID(PrefixWebhookEndpoint, now), now, now
		ep.Secret = s.Secrets.Seal(secret, ep.ID)
		return tx.CreateWebhookEndpoint(ctx, ep)
	})
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// checkEndpointInput validates in and returns it normalized. It runs
// before any transaction: checking the URL may ask DNS.
func (s *Service) checkEndpointInput(ctx context.Context, in WebhookEndpointInput) (WebhookEndpointInput, error) {
	if in.Events != nil {
		ev, err := checkEventTypes(in.Events)
		if err != nil {
			return in, err
		}
		in.Events = ev
	}
	if in.Description != nil {
		d := strings.TrimSpace(CleanText(*in.Description))
		if len(d) > 500 {
			return in, Invalid("description", "is too long (at most 500 bytes)")
		}
		in.Description = &d
	}
	// Last: it may ask DNS.
	if in.URL != nil {
		u, err := s.checkWebhookURL(ctx, *in.URL)
		if err != nil {
			return in, err
		}
		in.URL = &u
	}
	return in, nil
}

// applyEndpointInput writes a checked input into ep.
func applyEndpointInput(ep *WebhookEndpoint, in WebhookEndpointInput) {
	if in.URL != nil {
		ep.URL = *in.URL
	}
	if in.Events != nil {
		ep.Events = in.Events
	}
	if in.Description != nil {
		ep.Description = *in.Description
	}
	if in.Enabled != nil {
		ep.Enabled = *in.Enabled
		if ep.Enabled {
			ep.DisabledReason = ""
		}
	}
}

// checkWebhookURL checks the form of an endpoint URL here, and where it
// leads with the Webhooks port, which applies the same rules as when it
// dials.
func (s *Service) checkWebhookURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxWebhookURLLen {
		return "", Invalid("url", "must be an absolute https URL of at most 2048 bytes")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return "", Invalid("url", "must be an absolute https URL")
	case u.User != nil:
		return "", Invalid("url", "must not carry a user name or password")
	case u.Fragment != "":
		return "", Invalid("url", "must not have a fragment")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", Invalid("url", "must use https")
	}
	if s.Webhooks == nil {
		return "", Errorf(KindUnavailable, CodeInternal, "webhooks are not configured")
	}
	if err := s.Webhooks.CheckURL(ctx, u.String()); err != nil {
		return "", err
	}
	return u.String(), nil
}

// checkEventTypes refuses unknown or no event types and returns them
// sorted without duplicates.
func checkEventTypes(in []EventType) ([]EventType, error) {
	if len(in) == 0 {
		return nil, Invalid("events", "must name at least one event type")
	}
	out := make([]EventType, 0, len(in))
	for _, t := range in {
		if !t.Valid() {
			return nil, Invalid("events", "unknown event type "+quote(string(t)))
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func quote(s string) string { return `"` + truncate(s, 64) + `"` }

// NewWebhookSecret returns a fresh signing secret: whsec_ and the standard
// base64 of WebhookSecretBytes random bytes.
func NewWebhookSecret() string {
	b := make([]byte, WebhookSecretBytes)
	if _, err := rand.Read(b); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// WebhookEndpoints lists the organization's endpoints, oldest first.
func (s *Service) WebhookEndpoints(ctx context.Context, p *Principal) ([]*WebhookEndpoint, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	var eps []*WebhookEndpoint
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		eps, err = tx.WebhookEndpointsByOrg(ctx, p.OrgID)
		return err
	})
	return eps, err
}

// WebhookEndpoint returns one of the organization's endpoints.
func (s *Service) WebhookEndpoint(ctx context.Context, p *Principal, id string) (*WebhookEndpoint, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	var ep *WebhookEndpoint
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		ep, err = ownedEndpoint(ctx, tx, p, id)
		return err
	})
	return ep, err
}

// ownedEndpoint loads an endpoint, answering not found for another
// organization's.
func ownedEndpoint(ctx context.Context, tx Tx, p *Principal, id string) (*WebhookEndpoint, error) {
	ep, err := tx.WebhookEndpointByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ep.OrgID != p.OrgID {
		return nil, NotFound("webhook endpoint")
	}
	return ep, nil
}

// UpdateWebhookEndpoint changes an endpoint's URL, events, description or
// whether it is enabled.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, p *Principal, id string, in WebhookEndpointInput) (*WebhookEndpoint, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	in, err := s.checkEndpointInput(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.changeEndpoint(ctx, p, id, func(ep *WebhookEndpoint, _ time.Time) {
		applyEndpointInput(ep, in)
	})
}

// RotateWebhookSecret gives the endpoint a new secret, returned in the
// clear once; the old one keeps signing too for WebhookSecretOverlap.
func (s *Service) RotateWebhookSecret(ctx context.Context, p *Principal, id string) (*WebhookEndpoint, string, error) {
	secret := NewWebhookSecret()
	ep, err := s.changeEndpoint(ctx, p, id, func(ep *WebhookEndpoint, now time.Time) {
		until := now.Add(WebhookSecretOverlap)
		ep.PrevSecret, ep.PrevSecretUntil, ep.Secret = ep.Secret, &until, s.Secrets.Seal(secret, ep.ID)
	})
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// changeEndpoint applies change to one of the organization's endpoints.
func (s *Service) changeEndpoint(ctx context.Context, p *Principal, id string, change func(*WebhookEndpoint, time.Time)) (*WebhookEndpoint, error) {
	if err := p.Require(PermWebhooks); err != nil {
		return nil, err
	}
	var ep *WebhookEndpoint
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if ep, err = ownedEndpoint(ctx, tx, p, id); err != nil {
			return err
		}
		change(ep, tx.Now())
		ep.UpdatedAt = tx.Now()
		return tx.UpdateWebhookEndpoint(ctx, ep)
	})
	if err != nil {
		return nil, err
	}
	return ep, nil
}

// DeleteWebhookEndpoint deletes an endpoint with its delivery log. Jobs of
// its pending deliveries find nothing to deliver and end.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(PermWebhooks); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := ownedEndpoint(ctx, tx, p, id); err != nil {
			return err
		}
		return tx.DeleteWebhookEndpoint(ctx, id)
	})
}
