package mail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestComposeParses reads the composed message back with the standard
// library's parsers, as a mail client would.
func TestComposeParses(t *testing.T) {
	tests := []struct {
		name        string
		attachments []esign.Attachment
		wantParts   []string
	}{
		{"text and html", nil, []string{"text/plain", "text/html"}},
		{"with attachment", []esign.Attachment{{Name: "contrat signé.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF-1.7 "), 100)}}, []string{"multipart/alternative", "application/pdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &esign.Email{ID: "mail:sign_request:env_1:rcp_1", To: "ana@example.com", ToName: "Ana Müller", Subject: "Please sign: Contrat — été",
				Text: "Hello Ana,\nhttps://sign.example.com/s/gst_abc\n", HTML: "<p>Hello Ana</p>", Attachments: tt.attachments}
			raw, err := Compose(m, "GSign <no-reply@sign.example.com>", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if subj != m.Subject {
				t.Errorf("subject %q, want %q", subj, m.Subject)
			}
			if got := msg.Header.Get("Message-ID"); got != "<mail_sign_request_env_1_rcp_1@sign.example.com>" {
				t.Errorf("Message-ID %q", got)
			}
			if got := partTypes(t, msg.Header.Get("Content-Type"), msg.Body); strings.Join(got, ",") != strings.Join(tt.wantParts, ",") {
				t.Errorf("parts %v, want %v", got, tt.wantParts)
			}
		})
	}
}

func partTypes(t *testing.T, ctype string, body io.Reader) []string {
	t.Helper()
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(body, params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return types
		}
		if err != nil {
			t.Fatal(err)
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, mt)
		if _, err := io.ReadAll(p); err != nil {
			t.Fatal(err)
		}
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
