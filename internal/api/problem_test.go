package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestErrorMapping checks the one table from domain error kinds to HTTP
// statuses, and the problem documents written for each.
func TestErrorMapping(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		detail     string
		challenged bool
	}{
		{"invalid", esign.Invalid("name", "is required"), 422, esign.CodeValidation, "name: is required", false},
		{"bad request", esign.Errorf(esign.KindBadRequest, esign.CodeInvalidJSON, "broken"), 400, esign.CodeInvalidJSON, "broken", false},
		{"unauthorized", esign.Errorf(esign.KindUnauthorized, esign.CodeUnauthorized, "who are you"), 401, esign.CodeUnauthorized, "who are you", true},
		{"forbidden", esign.Errorf(esign.KindForbidden, "forbidden", "no"), 403, "forbidden", "no", false},
		{"not found", esign.NotFound("envelope"), 404, esign.CodeNotFound, "envelope not found", false},
		{"conflict", esign.Errorf(esign.KindConflict, esign.CodeNotDraft, "sent"), 409, esign.CodeNotDraft, "sent", false},
		{"gone", esign.Errorf(esign.KindGone, esign.CodeLinkGone, "expired"), 410, esign.CodeLinkGone, "expired", false},
		{"too large", esign.ErrTooLarge(10), 413, esign.CodeTooLarge, "the upload is larger than the limit of 10 bytes", false},
		{"rate limited", esign.Errorf(esign.KindRateLimited, esign.CodeRateLimited, "slow down"), 429, esign.CodeRateLimited, "slow down", false},
		{"unavailable", esign.Errorf(esign.KindUnavailable, "unavailable", "maintenance"), 503, "unavailable", "maintenance", false},
		{"wrapped domain error", fmt.Errorf("send: %w", esign.NotFound("recipient")), 404, esign.CodeNotFound, "recipient not found", false},
		{"internal kind hides its message", esign.Errorf(esign.KindInternal, "x", "db password is hunter2"), 500, esign.CodeInternal, internalErrorDetail + "req-1", false},
		{"plain error hides its message", errors.New("disk /var/secret full"), 500, esign.CodeInternal, internalErrorDetail + "req-1", false},
		{"unknown kind", &esign.Error{Kind: "strange", Code: "strange", Message: "odd"}, 500, "strange", "odd", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/x", nil)
			r = r.WithContext(withRequestID(r.Context(), "req-1"))
			e.a.writeError(w, r, tt.err)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != problemContentType {
				t.Errorf("content type %q", ct)
			}
			var p problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			want := problem{Type: problemTypeBase + tt.code, Title: http.StatusText(tt.status), Status: tt.status, Code: tt.code, Detail: tt.detail}
			if p.Type != want.Type || p.Title != want.Title || p.Status != want.Status || p.Code != want.Code || p.Detail != want.Detail {
				t.Errorf("problem %+v, want %+v", p, want)
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tt.challenged {
				t.Errorf("WWW-Authenticate present = %v, want %v", got, tt.challenged)
			}
		})
	}
	if logs := e.logs.String(); !strings.Contains(logs, "hunter2") || !strings.Contains(logs, "request_id=req-1") {
		t.Errorf("internal errors must be logged with their request id:\n%s", logs)
	}
}

// TestEveryKindIsMapped keeps the table complete when a Kind is added.
func TestEveryKindIsMapped(t *testing.T) {
	kinds := []esign.Kind{esign.KindInvalid, esign.KindBadRequest, esign.KindUnauthorized, esign.KindForbidden,
		esign.KindNotFound, esign.KindConflict, esign.KindGone, esign.KindTooLarge, esign.KindRateLimited,
		esign.KindUnavailable, esign.KindInternal}
	if len(kinds) != len(statusByKind) {
		t.Fatalf("statusByKind has %d kinds, the test knows %d", len(statusByKind), len(kinds))
	}
	for _, k := range kinds {
		if _, ok := statusByKind[k]; !ok {
			t.Errorf("kind %s has no status", k)
		}
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path string
		status             int
		code, allow        string
	}{
		{"unknown path", "GET", "/api/v1/nope", 404, esign.CodeNotFound, ""},
		{"unknown top-level path", "GET", "/nope", 404, esign.CodeNotFound, ""},
		{"the root takes only GET", "POST", "/", 405, codeMethodNotAllowed, "GET, HEAD"},
		{"wrong method", "GET", "/api/v1/auth/login", 405, codeMethodNotAllowed, "POST"},
		{"wrong method on a resource", "DELETE", "/api/v1/envelopes/env_x", 405, codeMethodNotAllowed, "GET, HEAD"},
		{"verify takes only POST", "GET", "/api/v1/verify", 405, codeMethodNotAllowed, "POST"},
		{"verify without a multipart body", "POST", "/api/v1/verify", 400, codeInvalidMultipart, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.expect(e.do(req{method: tt.method, path: tt.path}), tt.status, tt.code)
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
}
