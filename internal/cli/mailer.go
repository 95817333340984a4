package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/mail"
)

// openMailer returns the SMTP mailer when GSIGN_SMTP_URL is set, and
// otherwise the embedded default: .eml files in <data>/mail.
func openMailer(cfg config.Config, log *slog.Logger, clock esign.Clock) (esign.Mailer, error) {
	if cfg.SMTPURL == "" {
		return &mail.Dir{Path: filepath.Join(cfg.DataDir, "mail"), From: cfg.MailFrom, Log: log, LogLinks: cfg.MailLogLinks, Clock: clock}, nil
	}
	opts := mail.SMTPOptions{From: cfg.MailFrom, Clock: clock, Log: log}
	if cfg.SMTPCAFile != "" {
		roots, err := smtpRoots(cfg.SMTPCAFile)
		if err != nil {
			return nil, err
		}
		opts.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return mail.NewSMTP(cfg.SMTPURL, opts)
}

// smtpRoots is the system's roots and the PEM certificates in file.
func smtpRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config: GSIGN_SMTP_CA_FILE: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("config: GSIGN_SMTP_CA_FILE %s: no PEM certificate in it", file)
	}
	return roots, nil
}
