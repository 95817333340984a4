package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// envelopeResponse is an envelope without its parts, as listings show it.
// Strings are never null; times are null until they happen.
type envelopeResponse struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Subject      string     `json:"subject"`
	Message      string     `json:"message"`
	Status       string     `json:"status"`
	ExpiresAt    *time.Time `json:"expires_at"`
	SentAt       *time.Time `json:"sent_at"`
	CompletedAt  *time.Time `json:"completed_at"`
	VoidedAt     *time.Time `json:"voided_at"`
	VoidReason   string     `json:"void_reason"`
	DeclinedAt   *time.Time `json:"declined_at"`
	ExpiredAt    *time.Time `json:"expired_at"`
	ResultStatus string     `json:"result_status"`
	OwnerID      string     `json:"owner_id"`
	TeamID       *string    `json:"team_id"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	reminderSettings
}

// reminderSettings are an envelope's reminder and expiry-warning settings in
// whole hours, 0 meaning off, in requests and responses alike.
type reminderSettings struct {
	ReminderDelayHours     int `json:"reminder_delay_hours"`
	ReminderFrequencyHours int `json:"reminder_frequency_hours"`
	ExpiryWarningHours     int `json:"expiry_warning_hours"`
}

func newReminderSettings(e *esign.Envelope) reminderSettings {
	return reminderSettings{ReminderDelayHours: int(e.ReminderDelay / time.Hour),
		ReminderFrequencyHours: int(e.ReminderFrequency / time.Hour), ExpiryWarningHours: int(e.ExpiryWarning / time.Hour)}
}

func (s reminderSettings) domain() esign.ReminderSettings {
	return esign.ReminderSettings{DelayHours: s.ReminderDelayHours, FrequencyHours: s.ReminderFrequencyHours, ExpiryWarningHours: s.ExpiryWarningHours}
}

func newEnvelope(e *esign.Envelope) envelopeResponse {
	return envelopeResponse{
		ID: e.ID, Name: e.Name, Subject: e.Subject, Message: e.Message, Status: string(e.Status),
		ExpiresAt: utc(e.ExpiresAt), SentAt: utc(e.SentAt), CompletedAt: utc(e.CompletedAt),
		VoidedAt: utc(e.VoidedAt), VoidReason: e.VoidReason, DeclinedAt: utc(e.DeclinedAt),
		ExpiredAt: utc(e.ExpiredAt), ResultStatus: string(e.ResultStatus), OwnerID: e.OwnerID, TeamID: optional(e.TeamID),
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), reminderSettings: newReminderSettings(e),
	}
}

// envelopeDetailResponse is an envelope with its documents, recipients and fields.
type envelopeDetailResponse struct {
	envelopeResponse
	Documents  []documentResponse  `json:"documents"`
	Recipients []recipientResponse `json:"recipients"`
	Fields     []fieldResponse     `json:"fields"`
}

func newEnvelopeDetail(d *esign.EnvelopeDetail) envelopeDetailResponse {
	return envelopeDetailResponse{
		envelopeResponse: newEnvelope(d.Envelope),
		Documents:        mapSlice(d.Documents, newDocument),
		Recipients:       mapSlice(d.Recipients, newRecipient),
		Fields:           mapSlice(d.Fields, newField),
	}
}

// mapSlice converts domain values to responses; never nil, so JSON shows [].
func mapSlice[T, R any](in []T, f func(T) R) []R {
	out := make([]R, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// optional is s, or nil (JSON null) when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// getEnvelope answers with an ETag, and to If-None-Match with Prefer: wait
// it waits for a change (envwait.go).
func (a *api) getEnvelope(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return a.serveWaiting(w, r, id, func() (any, error) {
		d, err := a.svc.GetEnvelope(r.Context(), principal(r), id)
		if err != nil {
			return nil, err
		}
		return newEnvelopeDetail(d), nil
	})
}

type envelopeListResponse struct {
	Items      []envelopeResponse `json:"items"`
	NextCursor *string            `json:"next_cursor"` // null on the last page
}

func (a *api) listEnvelopes(w http.ResponseWriter, r *http.Request) error {
	in, err := listInput(r)
	if err != nil {
		return err
	}
	in.Query = r.URL.Query().Get("q")
	page, err := a.svc.ListEnvelopes(r.Context(), principal(r), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, envelopeListResponse{Items: mapSlice(page.Items, newEnvelope), NextCursor: cursorOrNull(page.NextCursor)})
}

// emptyRequest is the body of actions that take no input: none, or {}.
type emptyRequest struct{}

func (a *api) sendEnvelope(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	d, err := a.svc.Send(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newEnvelopeDetail(d))
}

type voidRequest struct {
	Reason string `json:"reason"`
}

func (a *api) voidEnvelope(w http.ResponseWriter, r *http.Request) error {
	var req voidRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d, err := a.svc.Void(r.Context(), principal(r), r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newEnvelopeDetail(d))
}

type signingURLResponse struct {
	URL string `json:"url"`
}

// signingURLRequest: auth_performed_by_sender declares that the sender's
// application authenticated the signer itself.
type signingURLRequest struct {
	AuthPerformedBySender bool `json:"auth_performed_by_sender"`
}

func (a *api) signingURL(w http.ResponseWriter, r *http.Request) error {
	var req signingURLRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	url, err := a.svc.SigningURL(r.Context(), principal(r), r.PathValue("id"), r.PathValue("rid"),
		esign.SigningURLOptions{AuthPerformedBySender: req.AuthPerformedBySender})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, signingURLResponse{URL: url})
}
