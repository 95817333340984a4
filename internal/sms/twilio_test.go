package sms

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// fakeTwilio is a real HTTP server that checks requests the way Twilio
// does and answers with the status and body the test sets.
type fakeTwilio struct {
	t      *testing.T
	mu     sync.Mutex
	status int
	body   string
	forms  []map[string]string
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sid, token, ok := r.BasicAuth()
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/AC123/Messages.json":
		http.Error(w, `{"code":20404,"message":"The requested resource was not found","status":404}`, http.StatusNotFound)
		return
	case !ok || sid != "AC123" || token != "s3cret":
		http.Error(w, `{"code":20003,"message":"Authenticate","status":401}`, http.StatusUnauthorized)
		return
	case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
		http.Error(w, `{"code":21000,"message":"bad content type","status":400}`, http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		f.t.Error(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forms = append(f.forms, map[string]string{"To": r.PostForm.Get("To"), "From": r.PostForm.Get("From"),
		"MessagingServiceSid": r.PostForm.Get("MessagingServiceSid"), "Body": r.PostForm.Get("Body")})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func (f *fakeTwilio) answer(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
}

func newFakeTwilio(t *testing.T) (*fakeTwilio, *httptest.Server) {
	f := &fakeTwilio{t: t, status: http.StatusCreated, body: `{"sid":"SM1","status":"queued"}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// TestTwilio: the request has Twilio's shape, and answers are classified:
// success, a permanent 4xx, and retryable 429, 5xx and network errors.
func TestTwilio(t *testing.T) {
	f, srv := newFakeTwilio(t)
	tw, err := OpenURL("twilio://AC123:s3cret@"+strings.TrimPrefix(srv.URL, "http://")+"?from=%2B15550001111&tls=false", Options{})
	if err != nil {
		t.Fatal(err)
	}
	msg := &esign.SMS{ID: "sms:sign_request:env_1:rcp_1", To: "+15550002222", Body: "Olive asks you to sign \"Lease\". https://x/s/gst_1"}
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		wantErr   bool
		permanent bool
		inError   string
	}{
		{"accepted", 201, `{"sid":"SM1","status":"queued"}`, false, false, ""},
		{"invalid number", 400, `{"code":21211,"message":"The 'To' number +15550002222 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`, true, true, "21211"},
		{"rate limited", 429, `{"code":20429,"message":"Too Many Requests","status":429}`, true, false, "20429"},
		{"server error", 500, `{"code":20500,"message":"Internal Server Error","status":500}`, true, false, "Internal Server Error"},
		{"not JSON", 503, `upstream unavailable`, true, false, "upstream unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.answer(tc.status, tc.body)
			err := tw.Send(context.Background(), msg)
			var perm *esign.PermanentError
			var api *APIError
			switch {
			case !tc.wantErr && err != nil:
				t.Fatalf("send: %v", err)
			case tc.wantErr && (err == nil || !errors.As(err, &api) || api.HTTPStatus != tc.status):
				t.Fatalf("send: %v, want an APIError with status %d", err, tc.status)
			case tc.wantErr && errors.As(err, &perm) != tc.permanent:
				t.Fatalf("send: %v, permanent %v, want %v", err, !tc.permanent, tc.permanent)
			case tc.wantErr && !strings.Contains(err.Error(), tc.inError):
				t.Fatalf("error %q does not mention %q", err, tc.inError)
			}
		})
	}
	want := map[string]string{"To": "+15550002222", "From": "+15550001111", "MessagingServiceSid": "", "Body": msg.Body}
	for i, form := range f.forms {
		for k, v := range want {
			if form[k] != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, form[k], v)
			}
		}
	}
	if len(f.forms) != 5 {
		t.Fatalf("server saw %d requests, want 5", len(f.forms))
	}
	srv.Close()
	err = tw.Send(context.Background(), msg)
	var perm *esign.PermanentError
	if err == nil || errors.As(err, &perm) {
		t.Fatalf("send to a closed server: %v, want a retryable error", err)
	}
}

// TestTwilioMessagingServiceAndCredentials: a messaging service replaces
// From, and bad credentials are a permanent failure.
func TestTwilioMessagingServiceAndCredentials(t *testing.T) {
	f, srv := newFakeTwilio(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	tw, err := OpenURL("twilio://AC123:s3cret@"+host+"?messaging_service=MG9&tls=false", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Send(context.Background(), &esign.SMS{ID: "a", To: "+15550002222", Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	if got := f.forms[0]; got["MessagingServiceSid"] != "MG9" || got["From"] != "" {
		t.Fatalf("form %v, want MessagingServiceSid MG9 and no From", got)
	}
	bad, _ := OpenURL("twilio://AC123:wrong@"+host+"?from=%2B1555&tls=false", Options{})
	err = bad.Send(context.Background(), &esign.SMS{ID: "b", To: "+15550002222", Body: "hi"})
	var perm *esign.PermanentError
	if !errors.As(err, &perm) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad credentials: %v, want a permanent error without the token", err)
	}
}

// TestOpenURLRefuses: incomplete URLs are refused with a clear message
// that never repeats the token.
func TestOpenURLRefuses(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"smtp://x", "unknown scheme"},
		{"twilio://AC1:tok3n@api.twilio.com", "?from="},
		{"twilio://AC1@api.twilio.com?from=%2B1", "ACCOUNT_SID:AUTH_TOKEN"},
		{"twilio://AC1:tok3n@?from=%2B1", "API host"},
	} {
		_, err := OpenURL(tc.url, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "tok3n") {
			t.Errorf("%s: %v, want an error mentioning %q", tc.url, err, tc.want)
		}
	}
}

// TestDir: the development provider writes each message to a file, a retry
// overwrites it, and the link is logged only when asked.
func TestDir(t *testing.T) {
	var logs bytes.Buffer
	dir := filepath.Join(t.TempDir(), "sms")
	s, err := OpenURL("log://", Options{Dir: dir, Log: slog.New(slog.NewTextHandler(&logs, nil)), LogLinks: true})
	if err != nil {
		t.Fatal(err)
	}
	m := &esign.SMS{ID: "sms:reminder:env_1:rcp_1:2", To: "+15550002222", Body: "Reminder: https://x/s/gst_1", Link: "https://x/s/gst_1"}
	for range 2 {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || files[0].Name() != "sms_reminder_env_1_rcp_1_2.txt" {
		t.Fatalf("files %v, want one sms_reminder_env_1_rcp_1_2.txt", files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, files[0].Name()))
	if string(b) != "To: +15550002222\n\nReminder: https://x/s/gst_1\n" {
		t.Fatalf("file holds %q", b)
	}
	if !strings.Contains(logs.String(), "link=https://x/s/gst_1") {
		t.Fatalf("log %q lacks the link", logs.String())
	}
}
