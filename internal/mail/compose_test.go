package mail

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/mail/smtptest"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestComposeParses reads the composed message back with the standard
// library's parsers, as a mail client would.
func TestComposeParses(t *testing.T) {
	logo := esign.Attachment{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), ContentID: "logo@gsign"}
	pdf := esign.Attachment{Name: "contrat signé.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF-1.7 "), 100)}
	tests := []struct {
		name        string
		attachments []esign.Attachment
		wantParts   []string
	}{
		{"text and html", nil, []string{"alternative/text/plain", "alternative/text/html"}},
		{"with attachment", []esign.Attachment{pdf}, []string{"mixed/alternative/text/plain", "mixed/alternative/text/html", "mixed/application/pdf"}},
		{"inline logo", []esign.Attachment{logo}, []string{"related/alternative/text/plain", "related/alternative/text/html", "related/image/png"}},
		{"logo and attachment", []esign.Attachment{logo, pdf}, []string{"mixed/related/alternative/text/plain", "mixed/related/alternative/text/html", "mixed/related/image/png", "mixed/application/pdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &esign.Email{ID: "mail:sign_request:env_1:rcp_1", To: "ana@example.com", ToName: "Ana Müller", Subject: "Please sign: Contrat — été",
				Text: "Hello Ana,\nhttps://sign.example.com/s/gst_abc\n", HTML: "<p>Hello Ana</p>", Attachments: tt.attachments}
			raw, err := Compose(m, "GSign <no-reply@sign.example.com>", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			msg := smtptest.Parse(t, raw)
			if msg.Subject != m.Subject {
				t.Errorf("subject %q, want %q", msg.Subject, m.Subject)
			}
			if got, want := msg.Header.Get("Message-ID"), "<"+MessageID(m.ID, "no-reply@sign.example.com")+">"; got != want {
				t.Errorf("Message-ID %q, want %q", got, want)
			}
			var got []string
			for _, p := range msg.Parts {
				got = append(got, p.Path)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantParts, ",") {
				t.Errorf("parts %v, want %v", got, tt.wantParts)
			}
			if p := msg.Find("text/plain"); p == nil || string(p.Body) != m.Text {
				t.Errorf("text part %+v, want %q", p, m.Text)
			}
		})
	}
}

// TestMessageID: stable for an id, different across ids, on the sender's domain.
func TestMessageID(t *testing.T) {
	a, b := MessageID("mail:x:1", "no-reply@sign.example.com"), MessageID("mail:x:2", "no-reply@sign.example.com")
	if a != MessageID("mail:x:1", "no-reply@sign.example.com") || a == b {
		t.Fatalf("message ids %q and %q", a, b)
	}
	if !strings.HasSuffix(a, "@sign.example.com") || len(a) != 32+len("@sign.example.com") {
		t.Fatalf("message id %q", a)
	}
	if got := MessageID("x", "nobody"); !strings.HasSuffix(got, "@gsign.local") {
		t.Fatalf("message id without a domain: %q", got)
	}
}

func TestDirOverwritesRetries(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	d := &Dir{Path: dir, From: "GSign <no-reply@gsign.local>", Log: slog.New(slog.NewTextHandler(&logs, nil)), Clock: fixedClock{time.Unix(0, 0)}}
	m := &esign.Email{ID: "mail:x:1", To: "a@example.com", Subject: "s", Text: "t", Link: "http://x/s/gst_secret"}
	for i := 0; i < 2; i++ {
		if err := d.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || filepath.Ext(entries[0].Name()) != ".eml" {
		t.Fatalf("want one .eml file, got %v", entries)
	}
	if strings.Contains(logs.String(), "gst_secret") {
		t.Fatal("link logged although LogLinks is off")
	}
	d.LogLinks = true
	_ = d.Send(context.Background(), m)
	if !strings.Contains(logs.String(), "gst_secret") {
		t.Fatal("link not logged with LogLinks on")
	}
}

// TestComposeFromName: an organization's name goes before the configured
// sender's, whose address stays.
func TestComposeFromName(t *testing.T) {
	tests := []struct{ from, org, want string }{
		{"GSign <no-reply@sign.example.com>", "", "GSign"},
		{"GSign <no-reply@sign.example.com>", "Acme", "Acme via GSign"},
		{"Contoso Sign <no-reply@sign.example.com>", "Acme", "Acme via Contoso Sign"},
		{"no-reply@sign.example.com", "Acme", "Acme via GSign"},
	}
	for _, tt := range tests {
		t.Run(tt.from+"/"+tt.org, func(t *testing.T) {
			m := &esign.Email{ID: "x", To: "a@example.com", Subject: "s", Text: "t", FromName: tt.org}
			raw, err := Compose(m, tt.from, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			from, err := smtptest.Parse(t, raw).Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != tt.want || from[0].Address != "no-reply@sign.example.com" {
				t.Fatalf("From %v (%v), want %q", from, err, tt.want)
			}
		})
	}
}
