package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func TestRedactPath(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"signing page", "/s/gst_secret", "/s/REDACTED"},
		{"signing view", "/api/v1/signing/gst_secret", "/api/v1/signing/REDACTED"},
		{"signing action", "/api/v1/signing/gst_secret/fields/fld_1", "/api/v1/signing/REDACTED/fields/fld_1"},
		{"signing document", "/api/v1/signing/gst_secret/documents/doc_1", "/api/v1/signing/REDACTED/documents/doc_1"},
		{"trailing slash", "/s/", "/s/"},
		{"sender route untouched", "/api/v1/envelopes/env_1/recipients", "/api/v1/envelopes/env_1/recipients"},
		{"doubled slashes", "/api//signing//gst_secret", "/api//signing//REDACTED"},
		{"other case", "/S/abc", "/S/REDACTED"},
		{"secret elsewhere", "/api/v1/gst_secret/x", "/api/v1/REDACTED/x"},
		{"unknown route under s", "/s/gst_secret/extra", "/s/REDACTED/extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactPath(tt.path); got != tt.want {
				t.Errorf("redactPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

// TestRequestLogs checks the request log line: redacted path, no query, no
// credentials, and the request id that is also sent back.
func TestRequestLogs(t *testing.T) {
	tests := []struct {
		name     string
		q        req
		wantPath string
	}{
		{"signing page", req{method: "GET", path: "/s/gst_TOPSECRET"}, "/s/REDACTED"},
		{"signing api", req{method: "POST", path: "/api/v1/signing/gst_TOPSECRET/complete"}, "/api/v1/signing/REDACTED/complete"},
		{"query string", req{method: "GET", path: "/api/v1/envelopes?cursor=TOPSECRET", token: "gsa_TOPSECRET"}, "/api/v1/envelopes"},
		{"credentials", req{method: "POST", path: "/api/v1/auth/login", body: `{"email":"a@example.com","password":"TOPSECRET"}`}, "/api/v1/auth/login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.q.header = map[string]string{"X-Request-Id": "trace-42"}
			w := e.do(tt.q)
			logs := e.logs.String()
			if strings.Contains(logs, "TOPSECRET") {
				t.Fatalf("a secret was logged:\n%s", logs)
			}
			for _, want := range []string{"msg=request", "path=" + tt.wantPath + " ", "request_id=trace-42", "status=" + strconv.Itoa(w.Code), "method=" + tt.q.method, "duration=", "bytes="} {
				if !strings.Contains(logs, want) {
					t.Errorf("log lacks %q:\n%s", want, logs)
				}
			}
			if got := w.Header().Get("X-Request-Id"); got != "trace-42" {
				t.Errorf("X-Request-Id %q", got)
			}
		})
	}
}

func TestRequestIDGenerated(t *testing.T) {
	e := newEnv(t)
	for _, sent := range []string{"", "has spaces", strings.Repeat("x", 200), "<script>"} {
		w := e.do(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": sent}})
		if got := w.Header().Get("X-Request-Id"); got == sent || len(got) != 24 {
			t.Errorf("sent %q, got request id %q; want a generated one", sent, got)
		}
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	e := newEnv(t)
	h := e.a.logRequests(e.a.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	e.expect(w, 500, esign.CodeInternal)
	logs := e.logs.String()
	if !strings.Contains(logs, "panic=boom") || !strings.Contains(logs, "goroutine") || !strings.Contains(logs, "status=500") {
		t.Errorf("panic not logged with its stack and status:\n%s", logs)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path string
		want       map[string]string
	}{
		{"api", "/api/v1/nope", map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}},
		{"health", "/healthz", map[string]string{"X-Content-Type-Options": "nosniff"}},
		{"signing page", "/s/gst_x", map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(req{method: "GET", path: tt.path})
			for k, v := range tt.want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name       string
		trust      bool
		remote, ff string
		want       string
	}{
		{"peer", false, "198.51.100.7:5000", "", "198.51.100.7"},
		{"forwarded but untrusted", false, "198.51.100.7:5000", "203.0.113.9", "198.51.100.7"},
		{"forwarded and trusted", true, "10.0.0.1:5000", "203.0.113.9, 10.0.0.2", "203.0.113.9"},
		{"trusted but garbage", true, "10.0.0.1:5000", "not-an-ip", "10.0.0.1"},
		{"ipv6 peer", false, "[2001:db8::1]:5000", "", "2001:db8::1"},
		{"v4-mapped", false, "[::ffff:192.0.2.1]:5000", "", "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &api{cfg: Config{TrustProxyHeaders: tt.trust}, log: slog.Default()}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.ff != "" {
				r.Header.Set("X-Forwarded-For", tt.ff)
			}
			if got := a.clientIP(r); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
