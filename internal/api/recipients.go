package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type recipientResponse struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	RoutingOrder int    `json:"routing_order"`
	Status       string `json:"status"`
	Auth         string `json:"auth"`
	// AccessCodeSet says an access code is set; the code is never returned.
	AccessCodeSet bool `json:"access_code_set"`
	// AuthUsed and AuthDetail: how the recipient authenticated when they
	// finished; empty until then.
	AuthUsed      string     `json:"auth_used"`
	AuthDetail    string     `json:"auth_detail"`
	Embedded      bool       `json:"embedded"`
	SentAt        *time.Time `json:"sent_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	DeclinedAt    *time.Time `json:"declined_at"`
	DeclineReason string     `json:"decline_reason"`
	// Phone gets sign requests and reminders by SMS too; reminders are
	// counted, and the next one is null when none is scheduled.
	Phone          string     `json:"phone"`
	RemindersSent  int        `json:"reminders_sent"`
	NextReminderAt *time.Time `json:"next_reminder_at"`
}

func newRecipient(r *esign.Recipient) recipientResponse {
	return recipientResponse{
		ID: r.ID, Name: r.Name, Email: r.Email, Role: string(r.Role), RoutingOrder: r.RoutingOrder,
		Status: string(r.Status), Auth: r.AuthMethod, Embedded: r.Embedded, SentAt: utc(r.SentAt), DeliveredAt: utc(r.DeliveredAt),
		CompletedAt: utc(r.CompletedAt), DeclinedAt: utc(r.DeclinedAt), DeclineReason: r.DeclineReason,
		Phone: r.Phone, RemindersSent: r.RemindersSent, NextReminderAt: utc(r.NextReminderAt),
		AccessCodeSet: r.AccessCodeHash != "", AuthUsed: r.AuthUsed, AuthDetail: r.AuthDetail,
	}
}

type addRecipientRequest struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	RoutingOrder int    `json:"routing_order"`
	Auth         string `json:"auth"`
	Embedded     bool   `json:"embedded"`
	Phone        string `json:"phone"`
	AccessCode   string `json:"access_code"`
}

func (a *api) addRecipient(w http.ResponseWriter, r *http.Request) error {
	var req addRecipientRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	rc, err := a.svc.AddRecipient(r.Context(), principal(r), r.PathValue("id"), req.input())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newRecipient(rc))
}

func (req *addRecipientRequest) input() esign.RecipientInput {
	return esign.RecipientInput{
		Name: req.Name, Email: req.Email, Role: req.Role, RoutingOrder: req.RoutingOrder, Auth: req.Auth,
		Embedded: req.Embedded, Phone: req.Phone, AccessCode: req.AccessCode,
	}
}
