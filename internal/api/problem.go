package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Problem codes of the transport itself; the domain's codes are in esign.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeInvalidMultipart = "invalid_multipart"
	codeInvalidIdemKey   = "invalid_idempotency_key"
	codeNotReady         = "not_ready"
	codeUnreadableBody   = "unreadable_body"
)

const (
	problemTypeBase     = "https://gsign.dev/problems/"
	problemContentType  = "application/problem+json"
	jsonContentType     = "application/json"
	bearerChallenge     = `Bearer realm="gsign"`
	internalErrorDetail = "an internal error occurred; it was logged with request id "
)

// statusByKind is the one mapping of domain error kinds to HTTP statuses.
var statusByKind = map[esign.Kind]int{
	esign.KindInvalid:      http.StatusUnprocessableEntity,
	esign.KindBadRequest:   http.StatusBadRequest,
	esign.KindUnauthorized: http.StatusUnauthorized,
	esign.KindForbidden:    http.StatusForbidden,
	esign.KindNotFound:     http.StatusNotFound,
	esign.KindConflict:     http.StatusConflict,
	esign.KindGone:         http.StatusGone,
	esign.KindTooLarge:     http.StatusRequestEntityTooLarge,
	esign.KindRateLimited:  http.StatusTooManyRequests,
	esign.KindUnavailable:  http.StatusServiceUnavailable,
	esign.KindInternal:     http.StatusInternalServerError,
}

// statusOf returns the HTTP status of a domain error kind.
func statusOf(k esign.Kind) int {
	if s, ok := statusByKind[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problem is an RFC 9457 problem details object.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Code   string            `json:"code"`
	Errors map[string]string `json:"errors,omitempty"`
	// Details are facts a client may act on: the method and masked
	// destination of recipient_auth_required.
	Details map[string]string `json:"details,omitempty"`
}

// writeError writes err as a problem response. Errors that are not an
// *esign.Error, and internal ones, are logged and shown only generically.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *esign.Error
	if !errors.As(err, &e) || e.Kind == esign.KindInternal {
		a.logInternal(r, err)
		a.writeProblem(w, r, http.StatusInternalServerError, esign.CodeInternal, internalErrorDetail+requestID(r.Context()), nil)
		return
	}
	status := statusOf(e.Kind)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", challengeOf(e))
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	a.writeProblemDetails(w, r, status, e.Code, e.Message, e.Fields, e.Details)
}

// challengeOf is a 401's WWW-Authenticate: a recipient proves who they are
// with the recipient-auth proof, a sender with a bearer token.
func challengeOf(e *esign.Error) string {
	switch e.Code {
	case esign.CodeRecipientAuthRequired, esign.CodeAuthCodeInvalid, esign.CodeAuthCodeExpired:
		return `GSign-Recipient-Auth realm="gsign"`
	case esign.CodeIDVCallbackInvalid:
		return `GSign-IDV-Signature realm="gsign"`
	}
	return bearerChallenge
}

func (a *api) logInternal(r *http.Request, err error) {
	msg := "internal error"
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		msg = "request ended because the client went away"
	}
	a.log.ErrorContext(r.Context(), msg, "request_id", requestID(r.Context()), "method", r.Method, "path", redactPath(r.URL.Path), "err", err)
}

// writeProblem writes a problem response with the given status and code.
func (a *api) writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, fields map[string]string) {
	a.writeProblemDetails(w, r, status, code, detail, fields, nil)
}

// writeProblemDetails is writeProblem with the problem's details member.
func (a *api) writeProblemDetails(w http.ResponseWriter, r *http.Request, status int, code, detail string, fields, details map[string]string) {
	p := problem{
		Type: problemTypeBase + code, Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, Errors: fields, Details: details,
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(p); err != nil {
		a.log.ErrorContext(r.Context(), "encode problem", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	writeBody(w, status, problemContentType, buf.Bytes())
}

// writeJSON encodes v before anything is written, so an encoding failure
// still yields a clean error response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := encodeJSON(v)
	if err != nil {
		return err
	}
	writeBody(w, status, jsonContentType, body)
	return nil
}

// encodeJSON is the encoding of every JSON response body.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
