package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/mail/smtptest"
)

// testDir is a Dir writing into path, logging nowhere.
func testDir(path string) *Dir {
	return &Dir{Path: path, From: "GSign <no-reply@sign.example.com>", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
}

// TestDirSendParses reads the .eml file Send wrote, into a folder it had
// to create, back with net/mail and mime/multipart: the attached PDF and
// the inline logo decode to the bytes given, and no temp file is left.
func TestDirSendParses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail", "out")
	m := completedEmail(100<<10 + 7) // not a multiple of 3: base64 padding
	logo := esign.Attachment{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n fake"), ContentID: "logo@gsign"}
	m.Attachments = append([]esign.Attachment{logo}, m.Attachments...)
	if err := testDir(dir).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "mail_completed_env_1_owner.eml" {
		t.Fatalf("folder holds %v (%v), want the one .eml", entries, err)
	}
	name := filepath.Join(dir, entries[0].Name())
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", fi.Mode(), err)
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	msg := smtptest.Parse(t, raw)
	if p := msg.Find("application/pdf"); p == nil || !bytes.Equal(p.Body, m.Attachments[1].Data) {
		t.Fatal("attached PDF does not decode to the bytes given")
	}
	if p := msg.Find("image/png"); p == nil || !bytes.Equal(p.Body, logo.Data) || p.Header.Get("Content-ID") != "<logo@gsign>" {
		t.Fatalf("inline logo %+v", p)
	}
	if p := msg.Find("text/plain"); p == nil || string(p.Body) != m.Text {
		t.Fatalf("text part %+v", p)
	}
}

// TestDirSendBadAddress: a recipient address that is not one fails the
// send as invalid input, and writes nothing.
func TestDirSendBadAddress(t *testing.T) {
	dir := t.TempDir()
	m := completedEmail(10)
	m.To = "not an address"
	err := testDir(dir).Send(context.Background(), m)
	var e *esign.Error
	if !errors.As(err, &e) || e.Kind != esign.KindInvalid {
		t.Fatalf("send to %q: %v, want invalid input", m.To, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("folder holds %v after a failed send", entries)
	}
}

// TestDirSendNotAFolder: a mail folder that is a file fails the send with
// an error naming it.
func TestDirSendNotAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mail")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := testDir(file).Send(context.Background(), completedEmail(10))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(file)) {
		t.Fatalf("send into a file: %v, want an error naming %s", err, file)
	}
}

// TestWriteAtomicFailureKeepsOld: a write that fails half way leaves the
// file as it was, and no temp file behind.
func TestWriteAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "a.eml")
	if err := os.WriteFile(old, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("composing failed")
	err := writeAtomic(dir, "a.eml", func(w io.Writer) error {
		if _, err := w.Write(bytes.Repeat([]byte("new"), 50000)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("writeAtomic: %v, want %v", err, boom)
	}
	entries, _ := os.ReadDir(dir)
	if got, _ := os.ReadFile(old); len(entries) != 1 || string(got) != "old" {
		t.Fatalf("after a failed write: folder %v, a.eml %.10q", entries, got)
	}
	if err := writeAtomic(dir, "a.eml", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(old); string(got) != "new" {
		t.Fatalf("a.eml %q after a good write, want new", got)
	}
}
