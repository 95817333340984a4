package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// webhookEndpointResponse is an endpoint without its secret.
type webhookEndpointResponse struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabled_reason"`
	// PreviousSecretExpiresAt: until then deliveries carry a signature with
	// the secret before the last rotation too; null when none is in use.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

// webhookSecretResponse is an endpoint with its secret, shown once: when it
// is created and when its secret is rotated.
type webhookSecretResponse struct {
	webhookEndpointResponse
	Secret string `json:"secret"`
}

func newWebhookEndpoint(ep *esign.WebhookEndpoint) webhookEndpointResponse {
	r := webhookEndpointResponse{ID: ep.ID, URL: ep.URL, Description: ep.Description, Events: make([]string, len(ep.Events)),
		Enabled: ep.Enabled, DisabledReason: ep.DisabledReason, CreatedAt: ep.CreatedAt.UTC(), UpdatedAt: ep.UpdatedAt.UTC()}
	for i, e := range ep.Events {
		r.Events[i] = string(e)
	}
	if ep.PrevSecret != "" {
		r.PreviousSecretExpiresAt = utc(ep.PrevSecretUntil)
	}
	return r
}

// webhookEndpointRequest creates an endpoint, or changes one (PATCH: absent
// fields stay as they are).
type webhookEndpointRequest struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

func (q webhookEndpointRequest) input() esign.WebhookEndpointInput {
	in := esign.WebhookEndpointInput{URL: q.URL, Description: q.Description, Enabled: q.Enabled}
	if q.Events != nil {
		in.Events = make([]esign.EventType, len(*q.Events))
		for i, e := range *q.Events {
			in.Events[i] = esign.EventType(e)
		}
	}
	return in
}

func (a *api) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookEndpointRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ep, secret, err := a.svc.CreateWebhookEndpoint(r.Context(), principal(r), req.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+ep.ID)
	return writeJSON(w, http.StatusCreated, webhookSecretResponse{newWebhookEndpoint(ep), secret})
}

type webhookListResponse struct {
	Items []webhookEndpointResponse `json:"items"`
}

func (a *api) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	eps, err := a.svc.WebhookEndpoints(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookListResponse{Items: mapSlice(eps, newWebhookEndpoint)})
}

func (a *api) getWebhook(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.svc.WebhookEndpoint(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newWebhookEndpoint(ep))
}

func (a *api) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookEndpointRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ep, err := a.svc.UpdateWebhookEndpoint(r.Context(), principal(r), r.PathValue("id"), req.input())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newWebhookEndpoint(ep))
}

func (a *api) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.DeleteWebhookEndpoint(r.Context(), principal(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	ep, secret, err := a.svc.RotateWebhookSecret(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookSecretResponse{newWebhookEndpoint(ep), secret})
}

// webhookDeliveryResponse is one entry of a delivery log.
type webhookDeliveryResponse struct {
	ID            string                   `json:"id"` // the webhook-id header
	EventType     string                   `json:"event_type"`
	EnvelopeID    string                   `json:"envelope_id"`
	Status        string                   `json:"status"`
	Attempts      int                      `json:"attempts"`
	NextAttemptAt *time.Time               `json:"next_attempt_at"`
	Payload       json.RawMessage          `json:"payload"`
	AttemptLog    []webhookAttemptResponse `json:"attempt_log"`
	CreatedAt     time.Time                `json:"created_at"`
	UpdatedAt     time.Time                `json:"updated_at"`
}

type webhookAttemptResponse struct {
	AttemptedAt time.Time `json:"attempted_at"`
	StatusCode  *int      `json:"status_code"` // null when no answer came
	DurationMS  int64     `json:"duration_ms"`
	Error       string    `json:"error"`
	Response    string    `json:"response"` // the start of the answer's body
}

func newWebhookDelivery(d *esign.WebhookDelivery) webhookDeliveryResponse {
	return webhookDeliveryResponse{ID: d.ID, EventType: string(d.EventType), EnvelopeID: d.EnvelopeID, Status: string(d.Status),
		Attempts: d.Attempts, NextAttemptAt: utc(d.NextAttemptAt), Payload: d.Payload, AttemptLog: mapSlice(d.AttemptLog, newWebhookAttempt),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

func newWebhookAttempt(a *esign.WebhookAttempt) webhookAttemptResponse {
	r := webhookAttemptResponse{AttemptedAt: a.AttemptedAt.UTC(), DurationMS: a.Duration.Milliseconds(), Error: a.Error, Response: a.Response}
	if a.StatusCode != 0 {
		r.StatusCode = &a.StatusCode
	}
	return r
}

type webhookDeliveryListResponse struct {
	Items      []webhookDeliveryResponse `json:"items"`
	NextCursor *string                   `json:"next_cursor"`
}

func (a *api) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	in, err := listInput(r)
	if err != nil {
		return err
	}
	page, err := a.svc.WebhookDeliveries(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookDeliveryListResponse{Items: mapSlice(page.Items, newWebhookDelivery), NextCursor: cursorOrNull(page.NextCursor)})
}

func (a *api) replayWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	d, err := a.svc.ReplayWebhookDelivery(r.Context(), principal(r), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	d.AttemptLog = []*esign.WebhookAttempt{}
	return writeJSON(w, http.StatusAccepted, newWebhookDelivery(d))
}

// listInput reads the limit and cursor of a listing.
func listInput(r *http.Request) (esign.ListInput, error) {
	q := r.URL.Query()
	in := esign.ListInput{Status: q.Get("status"), Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, esign.Invalid("limit", "must be an integer between 1 and 200")
		}
		in.Limit = n
	}
	return in, nil
}

// cursorOrNull is a next_cursor: null on the last page.
func cursorOrNull(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}
