// Package mail delivers GSign's email. Dir, the embedded default, writes
// each message as an RFC 5322 .eml file so a person can open it.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// Dir writes each email as <id>.eml in a folder. Retries of the same message
// overwrite the same file, so nothing is doubled.
type Dir struct {
	Path string
	From string
	Log  *slog.Logger
	// LogLinks logs each message's call-to-action link so a developer can
	// click it. On only for this development mailer; tokens appear nowhere
	// else in logs.
	LogLinks bool
	Clock    esign.Clock
}

var _ esign.Mailer = (*Dir)(nil)

// Send writes m atomically into the folder.
func (d *Dir) Send(ctx context.Context, m *esign.Email) error {
	raw, err := Compose(m, d.From, d.Clock.Now())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	name := filepath.Join(d.Path, fileName(m.ID)+".eml")
	if err := writeAtomic(name, raw); err != nil {
		return fmt.Errorf("write mail %s: %w", m.ID, err)
	}
	attrs := []any{"to", m.To, "subject", m.Subject, "file", name}
	if d.LogLinks && m.Link != "" {
		attrs = append(attrs, "link", m.Link)
	}
	d.Log.Info("email written", attrs...)
	return nil
}

// fileName makes a job id safe as a file name.
func fileName(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
