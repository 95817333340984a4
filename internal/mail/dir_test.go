package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

// TestDirSendMatchesGoMail: what Dir writes, the files spliced into
// go-mail's output of their stand-ins, is byte for byte what go-mail
// writes of the files themselves (and the SMTP mailer sends), its random
// multipart boundaries aside; at sizes around a line's 57 bytes and
// base64's padding, none at all, and several files, an inline logo among
// them.
func TestDirSendMatchesGoMail(t *testing.T) {
	logo := esign.Attachment{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n fake"), ContentID: "logo@gsign"}
	for _, size := range []int{0, 1, 2, 3, 56, 57, 58, 114, 64*57 + 1, 100<<10 + 7} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			dir := t.TempDir()
			m := completedEmail(size)
			m.Attachments = append(m.Attachments, logo, esign.Attachment{Name: "b.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 second")})
			d := testDir(dir)
			if err := d.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, fileName(m.ID)+".eml"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Compose(m, d.From, d.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if g, w := sameBoundaries(got), sameBoundaries(want); !bytes.Equal(g, w) {
				t.Fatalf("Dir wrote %d bytes other than go-mail's %d:\n%s", len(g), len(w), firstDiff(g, w))
			}
		})
	}
}

var boundaryRE = regexp.MustCompile(`boundary=([0-9a-f]+)`)

// sameBoundaries replaces a message's multipart boundaries, random, with
// names in the order they appear.
func sameBoundaries(msg []byte) []byte {
	for i, m := range boundaryRE.FindAllSubmatch(msg, -1) {
		msg = bytes.ReplaceAll(msg, m[1], []byte(fmt.Sprintf("boundary%d", i)))
	}
	return msg
}

// firstDiff shows where a and b part.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-80, 0)
	return fmt.Sprintf("at %d:\n%q\nvs\n%q", i, a[from:min(i+80, len(a))], b[from:min(i+80, len(b))])
}

// TestSplicerStandInInPieces: a stand-in that reaches the splicer in
// pieces is not taken for the file's place, and fails the write instead of
// sending the stand-in for the file.
func TestSplicerStandInInPieces(t *testing.T) {
	sp := newSplicer([]esign.Attachment{{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}})
	var out bytes.Buffer
	sp.w = &out
	line := []byte(sp.lines[0])
	for _, piece := range [][]byte{line[:10], line[10:]} {
		if _, err := sp.Write(piece); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.check(); err == nil || !strings.Contains(err.Error(), "a.pdf") || out.String() != sp.lines[0] {
		t.Fatalf("check: %v, wrote %q; want an error naming a.pdf", err, out.String())
	}
	if _, err := sp.Write(line); err != nil || sp.check() != nil {
		t.Fatalf("the stand-in in one piece was not spliced: %v", sp.check())
	}
}
