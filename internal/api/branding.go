package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type brandingRequest struct {
	DisplayName string `json:"display_name"`
	Color       string `json:"color"`
	ReplyTo     string `json:"reply_to"`
}

type logoResponse struct {
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

type brandingResponse struct {
	DisplayName string        `json:"display_name"`
	Color       string        `json:"color"`
	ReplyTo     string        `json:"reply_to"`
	Logo        *logoResponse `json:"logo"`
	UpdatedAt   *time.Time    `json:"updated_at"` // null until first set
}

func newBranding(b *esign.Branding) brandingResponse {
	r := brandingResponse{DisplayName: b.DisplayName, Color: b.Color, ReplyTo: b.ReplyTo}
	if len(b.Logo) > 0 {
		r.Logo = &logoResponse{ContentType: b.LogoType, Size: len(b.Logo)}
	}
	if !b.UpdatedAt.IsZero() {
		r.UpdatedAt = &b.UpdatedAt
	}
	return r
}

func (a *api) getBranding(w http.ResponseWriter, r *http.Request) error {
	b, err := a.svc.GetBranding(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newBranding(b))
}

func (a *api) putBranding(w http.ResponseWriter, r *http.Request) error {
	var req brandingRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	b, err := a.svc.UpdateBranding(r.Context(), principal(r), esign.BrandingInput{DisplayName: req.DisplayName, Color: req.Color, ReplyTo: req.ReplyTo})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newBranding(b))
}

// putLogo reads at most one byte more than a logo may have, so that an
// oversized one is refused without reading the rest.
func (a *api) putLogo(w http.ResponseWriter, r *http.Request) error {
	part, err := a.namedFilePart(r, "a PNG or JPEG image")
	if err != nil {
		return err
	}
	defer part.Close()
	body := &watchedReader{r: part}
	data, err := io.ReadAll(io.LimitReader(body, esign.MaxLogoBytes+1))
	if body.tooLarge {
		return a.bodyTooLarge(uploadBody)
	}
	if err != nil {
		return esign.Errorf(esign.KindBadRequest, codeInvalidMultipart, "the multipart body is malformed: %v", err)
	}
	b, err := a.svc.SetBrandingLogo(r.Context(), principal(r), data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newBranding(b))
}

type mailPreviewResponse struct {
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	FromName string `json:"from_name"`
	ReplyTo  string `json:"reply_to"`
	Text     string `json:"text"`
	HTML     string `json:"html"`
}

func (a *api) previewMail(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = esign.MailSignRequest
	}
	m, err := a.svc.PreviewBrandedMail(r.Context(), principal(r), kind)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mailPreviewResponse{Kind: kind, Subject: m.Subject, FromName: m.FromName, ReplyTo: m.ReplyTo, Text: m.Text, HTML: m.HTML})
}

func (a *api) getLogo(w http.ResponseWriter, r *http.Request) error {
	b, err := a.svc.GetBranding(r.Context(), principal(r))
	if err != nil {
		return err
	}
	if len(b.Logo) == 0 {
		return esign.NotFound("logo")
	}
	w.Header().Set("Content-Type", b.LogoType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b.Logo)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b.Logo)
	return err
}

func (a *api) deleteLogo(w http.ResponseWriter, r *http.Request) error {
	b, err := a.svc.DeleteBrandingLogo(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newBranding(b))
}
