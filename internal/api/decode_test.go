package api

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestJSONRefusals sends malformed bodies to a JSON route and expects a 400
// invalid_json whose detail says what is wrong.
func TestJSONRefusals(t *testing.T) {
	e := newEnv(t)
	big := `{"email": "` + strings.Repeat("a", maxJSONBytes) + `"}`
	tests := []struct {
		name   string
		body   any
		detail string
	}{
		{"empty body", "", "empty"},
		{"truncated", `{"email": `, "ends in the middle"},
		{"syntax error", `{"email": "a",,}`, "not valid JSON (at byte 15)"},
		{"unknown field", `{"email": "a@example.com", "pasword": "x"}`, `unknown field "pasword"`},
		{"wrong type", `{"email": 5}`, "field email must be a string, not number"},
		{"not an object", `["a@example.com"]`, "must be a JSON object, not array"},
		{"trailing garbage", `{"email": "a@example.com"} xyz`, "data after the JSON object"},
		{"two objects", `{"email": "a@example.com"}{"email": "b@example.com"}`, "data after the JSON object"},
		{"too large with Content-Length", big, "larger than 1 MiB"},
		{"too large chunked", io.MultiReader(strings.NewReader(big)), "larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/login", body: tt.body}), 400, esign.CodeInvalidJSON)
			var p problem
			json.Unmarshal(w.Body.Bytes(), &p)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", p.Detail, tt.detail)
			}
		})
	}
}

func TestJSONAccepted(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	envID, _ := e.draft(token)
	tests := []struct {
		name   string
		q      req
		status int
		code   string
	}{
		{"trailing whitespace", req{method: "POST", path: "/api/v1/auth/login", body: "{\"email\": \"x@example.com\", \"password\": \"p\"} \n\t"}, 401, esign.CodeInvalidCredentials},
		{"action without a body", req{method: "POST", path: "/api/v1/envelopes/" + envID + "/send", token: token}, 422, esign.CodeIncomplete},
		{"action with an empty object", req{method: "POST", path: "/api/v1/envelopes/" + envID + "/send", token: token, body: "{}"}, 422, esign.CodeIncomplete},
		{"action with an unknown field", req{method: "POST", path: "/api/v1/envelopes/" + envID + "/send", token: token, body: `{"now": true}`}, 400, esign.CodeInvalidJSON},
		{"bad time", req{method: "POST", path: "/api/v1/envelopes", token: token, body: `{"name": "x", "expires_at": "tomorrow"}`}, 400, esign.CodeInvalidJSON},
		{"time as a number", req{method: "POST", path: "/api/v1/envelopes", token: token, body: `{"name": "x", "expires_at": 5}`}, 400, esign.CodeInvalidJSON},
		{"embedded as a string", req{method: "POST", path: "/api/v1/envelopes/" + envID + "/recipients", token: token, body: `{"name": "A", "email": "a@example.com", "embedded": "yes"}`}, 400, esign.CodeInvalidJSON},
		{"embedded recipient", req{method: "POST", path: "/api/v1/envelopes/" + envID + "/recipients", token: token, body: `{"name": "A", "email": "a@example.com", "embedded": true}`}, 201, ""},
		{"bad limit", req{method: "GET", path: "/api/v1/envelopes?limit=ten", token: token}, 422, esign.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.expect(e.do(tt.q), tt.status, tt.code)
		})
	}
}
