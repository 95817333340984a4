package api

import (
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type signingEnvelopeResponse struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

type signingRecipientResponse struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Role   string `json:"role"`
	Status string `json:"status"`
	Auth   string `json:"auth"`
}

type signingSenderResponse struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// authRequiredResponse tells a recipient how to authenticate first.
type authRequiredResponse struct {
	Method      string `json:"method"`
	Destination string `json:"destination,omitempty"`
}

// signingViewResponse is what a recipient sees: only its own fields, and
// until it authenticated (auth_required), neither documents nor fields.
type signingViewResponse struct {
	Envelope     signingEnvelopeResponse  `json:"envelope"`
	Sender       signingSenderResponse    `json:"sender"`
	Recipient    signingRecipientResponse `json:"recipient"`
	AuthRequired *authRequiredResponse    `json:"auth_required,omitempty"`
	Documents    []documentResponse       `json:"documents"`
	Fields       []fieldResponse          `json:"fields"`
	SessionToken string                   `json:"session_token,omitempty"`
}

func newSigningView(v *esign.SigningView) signingViewResponse {
	e := v.Envelope
	out := signingViewResponse{
		Envelope:     signingEnvelopeResponse{ID: e.ID, Name: e.Name, Subject: e.Subject, Message: e.Message, Status: string(e.Status)},
		Recipient:    newSigningRecipient(v.Recipient),
		Documents:    mapSlice(v.Documents, newDocument),
		Fields:       mapSlice(v.Fields, newField),
		SessionToken: v.SessionToken,
	}
	if v.Sender != nil {
		out.Sender = signingSenderResponse{Name: v.Sender.Name, Email: v.Sender.Email}
	}
	if q := v.AuthRequired; q != nil {
		out.AuthRequired = &authRequiredResponse{Method: q.Method, Destination: q.Destination}
		out.Envelope.Subject, out.Envelope.Message = "", "" // the name and the sender only, until then
	}
	return out
}

// openSigning shows the recipient its envelope. Opening an embedded signing
// URL spends it; the response then carries the session_token to go on with.
func (a *api) openSigning(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.OpenSigning(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newSigningView(v))
}

// signingDocument serves the original PDF inline. The signing page shows it
// in a frame, so it may be framed by this origin.
func (a *api) signingDocument(w http.ResponseWriter, r *http.Request) error {
	doc, body, err := a.svc.SigningDocument(r.Context(), r.PathValue("token"), r.PathValue("doc_id"))
	if err != nil {
		return err
	}
	servePDFInline(w, r, doc, body)
	return nil
}

// servePDFInline serves an original document, with Range support so pdf.js
// can fetch a large document's pages as they are shown.
func servePDFInline(w http.ResponseWriter, r *http.Request, doc *esign.Document, body io.ReadSeekCloser) {
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", contentDisposition("inline", doc.Name))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "frame-ancestors 'self'")
	http.ServeContent(w, r, "", time.Time{}, body)
}

type signatureRequest struct {
	Kind           string `json:"kind"` // draw, typed or upload
	ImagePNGBase64 string `json:"image_png_base64"`
	Text           string `json:"text"`
	Font           string `json:"font"` // typed: a signature font id, optional
}

// fillFieldRequest is {value} for data fields or {signature} for signature
// and initials fields.
type fillFieldRequest struct {
	Value     *string           `json:"value"`
	Signature *signatureRequest `json:"signature"`
}

func (req *fillFieldRequest) input() (esign.FieldValueInput, error) {
	in := esign.FieldValueInput{Value: req.Value}
	if s := req.Signature; s != nil {
		in.Signature = &esign.SignatureInput{Kind: s.Kind, Text: s.Text, Font: s.Font}
		if s.ImagePNGBase64 != "" {
			img, err := decodeImage(s.ImagePNGBase64)
			if err != nil {
				return in, err
			}
			in.Signature.ImagePNG = img
		}
	}
	return in, nil
}

// decodeImage decodes standard base64, with or without padding, and
// tolerates the data: URL prefix a canvas produces.
func decodeImage(s string) ([]byte, error) {
	s = strings.TrimPrefix(s, "data:image/png;base64,")
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	img, err := enc.DecodeString(s)
	if err != nil {
		return nil, esign.Invalid("signature.image_png_base64", "is not valid base64")
	}
	return img, nil
}

func (a *api) fillField(w http.ResponseWriter, r *http.Request) error {
	var req fillFieldRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	f, err := a.svc.FillField(r.Context(), r.PathValue("token"), r.PathValue("field_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newField(f))
}

// completeRequest optionally fills fields on the way: each value is what
// fillField takes for that field. Empty, {} or no fields: finish only.
type completeRequest struct {
	Fields map[string]fillFieldRequest `json:"fields"`
}

func (req *completeRequest) fills() (esign.FieldFills, error) {
	if len(req.Fields) == 0 {
		return nil, nil
	}
	fills := make(esign.FieldFills, len(req.Fields))
	for _, id := range slices.Sorted(maps.Keys(req.Fields)) { // the first bad one, always the same
		f := req.Fields[id]
		in, err := f.input()
		if err != nil {
			return nil, esign.InField(id, err)
		}
		fills[id] = in
	}
	return fills, nil
}

func (a *api) completeSigning(w http.ResponseWriter, r *http.Request) error {
	var req completeRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	fills, err := req.fills()
	if err != nil {
		return err
	}
	rc, err := a.svc.CompleteWithFields(r.Context(), r.PathValue("token"), fills)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newSigningRecipient(rc))
}

func newSigningRecipient(r *esign.Recipient) signingRecipientResponse {
	return signingRecipientResponse{ID: r.ID, Name: r.Name, Email: r.Email, Role: string(r.Role), Status: string(r.Status), Auth: r.AuthMethod}
}

type declineRequest struct {
	Reason string `json:"reason"`
}

type declineResponse struct {
	Status string `json:"status"`
}

func (a *api) declineSigning(w http.ResponseWriter, r *http.Request) error {
	var req declineRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	if err := a.svc.Decline(r.Context(), r.PathValue("token"), req.Reason); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, declineResponse{Status: string(esign.RecipientDeclined)})
}
