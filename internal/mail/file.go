// Package mail delivers GSign's email. Dir, the embedded default, writes
// each message as an RFC 5322 .eml file so a person can open it.
package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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

// Send composes m straight into a temp file in the folder, which becomes
// <id>.eml only once all of it is on disk (writeAtomic): no copy of the
// whole message is held in memory, and a crash leaves no partial .eml.
// The attachments' bytes are encoded into it by a splicer.
func (d *Dir) Send(ctx context.Context, m *esign.Email) error {
	sp := newSplicer(m.Attachments)
	msg, err := compose(m, d.From, d.Clock.Now(), sp.standIns)
	if err != nil {
		return err
	}
	base := fileName(m.ID) + ".eml"
	err = writeAtomic(d.Path, base, func(w io.Writer) error {
		return sp.write(w, msg)
	})
	if err != nil {
		return fmt.Errorf("write mail %s: %w", m.ID, err)
	}
	name := filepath.Join(d.Path, base)
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
