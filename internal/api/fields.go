package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type fieldResponse struct {
	ID          string     `json:"id"`
	DocumentID  string     `json:"document_id"`
	RecipientID string     `json:"recipient_id"`
	Type        string     `json:"type"`
	Page        int        `json:"page"`
	X           float64    `json:"x"`
	Y           float64    `json:"y"`
	Width       float64    `json:"width"`
	Height      float64    `json:"height"`
	Required    bool       `json:"required"`
	Value       string     `json:"value"`
	Filled      bool       `json:"filled"`
	FilledAt    *time.Time `json:"filled_at"`
}

func newField(f *esign.Field) fieldResponse {
	return fieldResponse{
		ID: f.ID, DocumentID: f.DocumentID, RecipientID: f.RecipientID, Type: string(f.Type), Page: f.Page,
		X: f.X, Y: f.Y, Width: f.Width, Height: f.Height, Required: f.Required,
		Value: f.Value, Filled: f.Filled(), FilledAt: utc(f.FilledAt),
	}
}

// fieldPlacement is where a field goes and what it takes, in the requests
// that place fields one by one and with a whole envelope.
type fieldPlacement struct {
	Type   string  `json:"type"`
	Page   int     `json:"page"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Required defaults to true, except for checkboxes.
	Required *bool `json:"required"`
}

func (f *fieldPlacement) input() esign.FieldInput {
	return esign.FieldInput{Type: f.Type, Page: f.Page, X: f.X, Y: f.Y, Width: f.Width, Height: f.Height, Required: f.Required}
}

type addFieldRequest struct {
	DocumentID  string `json:"document_id"`
	RecipientID string `json:"recipient_id"`
	fieldPlacement
}

func (a *api) addField(w http.ResponseWriter, r *http.Request) error {
	var req addFieldRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	in := req.input()
	in.DocumentID, in.RecipientID = req.DocumentID, req.RecipientID
	f, err := a.svc.AddField(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newField(f))
}
