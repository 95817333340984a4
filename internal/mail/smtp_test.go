package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/mail/smtptest"
)

const testFrom = "GSign <no-reply@sign.example.com>"

func newTestSMTP(t *testing.T, srv *smtptest.Server, rawURL string) *SMTP {
	t.Helper()
	m, err := NewSMTP(rawURL, SMTPOptions{From: testFrom, Clock: fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TLS: srv.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func brandedEmail() *esign.Email {
	return &esign.Email{ID: "mail:completed:env_1:rcp_1", To: "ana@example.com", ToName: "Ana Müller", Subject: "Completed: Lease — 2026",
		FromName: "Acme", ReplyTo: "contracts@acme.example",
		Text: "Hello Ana,\nEveryone has finished.\n", HTML: `<p><img src="cid:logo@gsign" alt="Acme"></p><p>Hello Ana</p>`,
		Attachments: []esign.Attachment{
			{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG logo"), ContentID: "logo@gsign"},
			{Name: "Lease - completed.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF-1.7\n"), 50)},
		}}
}

// TestSMTPDelivers sends through a real SMTP server in each TLS mode and
// reads the message back as a mail client would.
func TestSMTPDelivers(t *testing.T) {
	tests := []struct {
		name string
		opts smtptest.Options
	}{
		{"STARTTLS with AUTH PLAIN", smtptest.Options{Mode: smtptest.STARTTLS, User: "gsign", Password: "s3cret"}},
		{"implicit TLS with AUTH PLAIN", smtptest.Options{Mode: smtptest.Implicit, User: "gsign", Password: "s3cret"}},
		{"local relay without TLS", smtptest.Options{Mode: smtptest.Plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			m := brandedEmail()
			if err := newTestSMTP(t, srv, srv.URL()).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := srv.Accepted()
			if len(got) != 1 || got[0].From != "no-reply@sign.example.com" || strings.Join(got[0].To, ",") != m.To {
				t.Fatalf("accepted %+v", got)
			}
			checkBranded(t, smtptest.Parse(t, got[0].Data), m)
		})
	}
}

func checkBranded(t *testing.T, msg *smtptest.Parsed, m *esign.Email) {
	t.Helper()
	want := map[string]string{
		"From":           `"Acme via GSign" <no-reply@sign.example.com>`,
		"Reply-To":       "<contracts@acme.example>",
		"Message-ID":     "<" + MessageID(m.ID, "no-reply@sign.example.com") + ">",
		"Date":           "Fri, 02 Jan 2026 03:04:05 +0000",
		"Auto-Submitted": "auto-generated",
	}
	for k, v := range want {
		if got := msg.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != m.ToName || to[0].Address != m.To {
		t.Errorf("To %v (%v)", to, err)
	}
	if msg.Subject != m.Subject {
		t.Errorf("Subject %q, want %q", msg.Subject, m.Subject)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed;") {
		t.Errorf("Content-Type %q", ct)
	}
	logo := msg.Find("image/png")
	if logo == nil || logo.Header.Get("Content-ID") != "<logo@gsign>" || !bytes.Equal(logo.Body, m.Attachments[0].Data) || !strings.HasPrefix(logo.Path, "mixed/related/") {
		t.Errorf("inline logo %+v", logo)
	}
	if pdf := msg.Find("application/pdf"); pdf == nil || !bytes.Equal(pdf.Body, m.Attachments[1].Data) || !strings.HasPrefix(pdf.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("attachment %+v", pdf)
	}
	if p := msg.Find("text/plain"); p == nil || string(p.Body) != m.Text {
		t.Errorf("text %+v", p)
	}
	if p := msg.Find("text/html"); p == nil || string(p.Body) != m.HTML {
		t.Errorf("html %+v", p)
	}
}

// TestSMTPFailures: what a failed send returns, and whether the job
// runner would retry it (anything but an *esign.PermanentError).
func TestSMTPFailures(t *testing.T) {
	refuse := func(stage string, code int) func(string, string, int) *smtp.SMTPError {
		return func(s, _ string, _ int) *smtp.SMTPError {
			if s != stage {
				return nil
			}
			return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "scripted"}
		}
	}
	tests := []struct {
		name      string
		opts      smtptest.Options
		url       func(s *smtptest.Server) string
		permanent bool
	}{
		{"451 after DATA: retried", smtptest.Options{Refuse: refuse("data", 451)}, nil, false},
		{"452 at RCPT: retried", smtptest.Options{Refuse: refuse("rcpt", 452)}, nil, false},
		{"550 at RCPT: not retried", smtptest.Options{Refuse: refuse("rcpt", 550)}, nil, true},
		{"554 after DATA: not retried", smtptest.Options{Refuse: refuse("data", 554)}, nil, true},
		{"wrong password: retried (the operator can fix it)", smtptest.Options{User: "gsign", Password: "right"}, func(s *smtptest.Server) string {
			return strings.Replace(s.URL(), "right", "wrong", 1)
		}, false},
		{"server without STARTTLS: refused, TLS is required", smtptest.Options{Mode: smtptest.Plain}, func(s *smtptest.Server) string {
			return strings.TrimSuffix(s.URL(), "?tls=none")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts)
			u := srv.URL()
			if tt.url != nil {
				u = tt.url(srv)
			}
			err := newTestSMTP(t, srv, u).Send(context.Background(), brandedEmail())
			if err == nil {
				t.Fatal("send succeeded")
			}
			t.Log(err)
			var perm *esign.PermanentError
			if errors.As(err, &perm) != tt.permanent {
				t.Fatalf("permanent=%v, want %v: %v", !tt.permanent, tt.permanent, err)
			}
			if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "right") {
				t.Fatalf("error shows the password: %v", err)
			}
			if n := len(srv.Accepted()); n != 0 {
				t.Fatalf("%d messages accepted", n)
			}
		})
	}
}

// TestSMTPURL: malformed configuration is refused at startup with a
// message that names the problem and hides the password.
func TestSMTPURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://mail.example.com", "scheme"},
		{"smtp://", "want smtp://"},
		{"smtp://mail.example.com?tls=maybe", "tls="},
		{"smtps://mail.example.com?tls=none", "scheme"},
		{"smtp://mail.example.com:99999", "port"},
		{"smtp://u:hunter2@mail.example.com?timeout=soon", "timeout"},
		{"smtp://u:hunter2@mail.example.com?timeout=-1s", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := NewSMTP(tt.url, SMTPOptions{From: testFrom})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
		})
	}
	if _, err := NewSMTP("smtp://mail.example.com", SMTPOptions{From: "not an address"}); err == nil {
		t.Fatal("bad sender accepted")
	}
	for _, ok := range []string{"smtp://u:p@mail.example.com:587", "smtps://mail.example.com", "smtp://127.0.0.1:25?tls=none&timeout=5s", "smtp://h?tls=opportunistic"} {
		if _, err := NewSMTP(ok, SMTPOptions{From: testFrom}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestSMTPEveryTemplate sends every kind of email, plain and branded,
// through a real STARTTLS server with AUTH, and reads each back: headers,
// the multipart structure, and text and HTML exactly as rendered.
func TestSMTPEveryTemplate(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Mode: smtptest.STARTTLS, User: "gsign", Password: "s3cret"})
	mailer := newTestSMTP(t, srv, srv.URL())
	logo := []byte("\x89PNG\r\n\x1a\nlogo")
	brands := map[string]*esign.Branding{
		"plain":   nil,
		"branded": {DisplayName: "Acme Leasing", Color: "#c0392b", ReplyTo: "contracts@acme.example", Logo: logo, LogoType: "image/png"},
	}
	kinds := esign.MailKinds()
	if len(kinds) < 9 {
		t.Fatalf("only %d kinds of email: %v", len(kinds), kinds)
	}
	for _, kind := range kinds {
		for name, b := range brands {
			t.Run(kind+"/"+name, func(t *testing.T) {
				m, err := esign.PreviewMail(kind, b)
				if err != nil {
					t.Fatal(err)
				}
				m.ID += ":" + name
				before := len(srv.Accepted())
				if err := mailer.Send(context.Background(), m); err != nil {
					t.Fatal(err)
				}
				got := srv.Accepted()
				if len(got) != before+1 {
					t.Fatalf("%d messages accepted, want %d", len(got), before+1)
				}
				checkTemplate(t, smtptest.Parse(t, got[len(got)-1].Data), m, b != nil)
			})
		}
	}
}

func checkTemplate(t *testing.T, msg *smtptest.Parsed, m *esign.Email, branded bool) {
	t.Helper()
	from, err := msg.Header.AddressList("From")
	wantFrom := "GSign"
	if branded {
		wantFrom = "Acme Leasing via GSign"
	}
	if err != nil || len(from) != 1 || from[0].Name != wantFrom || from[0].Address != "no-reply@sign.example.com" {
		t.Errorf("From %v (%v), want %s", from, err, wantFrom)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != m.To || to[0].Name != m.ToName {
		t.Errorf("To %v (%v)", to, err)
	}
	if got, want := msg.Header.Get("Reply-To") != "", branded; got != want {
		t.Errorf("Reply-To %q, branded %v", msg.Header.Get("Reply-To"), branded)
	}
	if msg.Subject != m.Subject || msg.Subject == "" {
		t.Errorf("Subject %q, want %q", msg.Subject, m.Subject)
	}
	if msg.Header.Get("Message-ID") != "<"+MessageID(m.ID, "no-reply@sign.example.com")+">" {
		t.Errorf("Message-ID %q", msg.Header.Get("Message-ID"))
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	wantType := "multipart/alternative;"
	if branded {
		wantType = "multipart/related;"
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
		t.Errorf("Content-Type %q, want %s", ct, wantType)
	}
	text, html := msg.Find("text/plain"), msg.Find("text/html")
	if text == nil || string(text.Body) != m.Text || html == nil || string(html.Body) != m.HTML {
		t.Fatalf("bodies differ from the rendered email")
	}
	// Account emails are about no envelope: an invitation names the
	// organization, a password reset carries its link.
	want, what := "Office lease 2030", "the envelope's name"
	switch {
	case strings.HasPrefix(m.ID, "preview:"+esign.MailInvitation):
		want, what = "Acme Leasing", "the organization's name"
	case strings.HasPrefix(m.ID, "preview:"+esign.MailPasswordReset+":"):
		want, what = m.Link, "the link"
	}
	if want == "" || !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("%s is missing from the bodies", what)
	}
	logo := msg.Find("image/png")
	if branded != (logo != nil) || branded && !strings.Contains(m.HTML, `src="cid:`+strings.Trim(logo.Header.Get("Content-ID"), "<>")+`"`) {
		t.Errorf("inline logo %v in %s", logo, m.HTML)
	}
}
