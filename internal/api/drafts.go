package api

import (
	"net/http"

	"github.com/gsign/gsign/internal/esign"
)

// updateRecipientRequest changes a draft's recipient; absent members stay.
type updateRecipientRequest struct {
	Name         *string `json:"name"`
	Email        *string `json:"email"`
	Role         *string `json:"role"`
	RoutingOrder *int    `json:"routing_order"`
	Auth         *string `json:"auth"`
	Embedded     *bool   `json:"embedded"`
	Phone        *string `json:"phone"`
	AccessCode   *string `json:"access_code"`
}

func (a *api) updateRecipient(w http.ResponseWriter, r *http.Request) error {
	var req updateRecipientRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	rc, err := a.svc.UpdateRecipient(r.Context(), principal(r), r.PathValue("id"), r.PathValue("rid"), esign.RecipientPatch{
		Name: req.Name, Email: req.Email, Role: req.Role, RoutingOrder: req.RoutingOrder, Auth: req.Auth,
		Embedded: req.Embedded, Phone: req.Phone, AccessCode: req.AccessCode,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newRecipient(rc))
}

func (a *api) removeRecipient(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveRecipient(r.Context(), principal(r), r.PathValue("id"), r.PathValue("rid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// updateFieldRequest changes a draft's field; absent members stay.
type updateFieldRequest struct {
	RecipientID *string  `json:"recipient_id"`
	Type        *string  `json:"type"`
	Page        *int     `json:"page"`
	X           *float64 `json:"x"`
	Y           *float64 `json:"y"`
	Width       *float64 `json:"width"`
	Height      *float64 `json:"height"`
	Required    *bool    `json:"required"`
}

func (a *api) updateField(w http.ResponseWriter, r *http.Request) error {
	var req updateFieldRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f, err := a.svc.UpdateField(r.Context(), principal(r), r.PathValue("id"), r.PathValue("fid"), esign.FieldPatch{
		RecipientID: req.RecipientID, Type: req.Type, Page: req.Page,
		X: req.X, Y: req.Y, Width: req.Width, Height: req.Height, Required: req.Required,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newField(f))
}

func (a *api) removeField(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveField(r.Context(), principal(r), r.PathValue("id"), r.PathValue("fid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) removeDocument(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveDocument(r.Context(), principal(r), r.PathValue("id"), r.PathValue("doc_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) resendRecipient(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	rc, err := a.svc.Resend(r.Context(), principal(r), r.PathValue("id"), r.PathValue("rid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newRecipient(rc))
}
