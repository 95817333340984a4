package sms

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// Dir is the development SMS provider: it writes each message as <id>.txt
// in a folder and logs it, so a developer can read it and click its link.
// A retried message overwrites its file.
type Dir struct {
	Path string
	Log  *slog.Logger
	// LogLinks logs each message's signing link (GSIGN_MAIL_LOG_LINKS).
	LogLinks bool
}

var _ esign.SMSSender = (*Dir)(nil)

// Send writes m to the folder.
func (d *Dir) Send(_ context.Context, m *esign.SMS) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("sms dir: %w", err)
	}
	name := filepath.Join(d.Path, idFileName.Replace(m.ID)+".txt")
	if err := os.WriteFile(name, []byte("To: "+m.To+"\n\n"+m.Body+"\n"), 0o600); err != nil {
		return fmt.Errorf("write sms %s: %w", m.ID, err)
	}
	attrs := []any{"to", m.To, "file", name}
	if d.LogLinks && m.Link != "" {
		attrs = append(attrs, "link", m.Link)
	}
	d.Log.Info("sms written", attrs...)
	return nil
}

// idFileName makes a job id (kind:envelope:recipient[:n]) a file name.
var idFileName = strings.NewReplacer(":", "_", "/", "_", `\`, "_", "..", "_")
