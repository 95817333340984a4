package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gsign/gsign/internal/esign"
)

// SMTP delivers email through an SMTP server, one connection per message:
// notifications are sparse, and a fresh connection never sends on one the
// server already dropped.
type SMTP struct {
	client *gomail.Client
	from   *mail.Address
	clock  esign.Clock
	log    *slog.Logger
}

var _ esign.Mailer = (*SMTP)(nil)

// SMTPOptions are what the URL does not say.
type SMTPOptions struct {
	// From is the sender, "GSign <no-reply@sign.example.com>".
	From string
	// Clock dates the messages (default the system clock); Log records each
	// sent one (default slog's default logger).
	Clock esign.Clock
	Log   *slog.Logger
	// TLS, when set, is the base TLS configuration (trusted roots); the
	// server name is always the URL's host.
	TLS *tls.Config
}

// DefaultSMTPTimeout bounds connecting and each SMTP command unless the URL
// says ?timeout=.
const DefaultSMTPTimeout = 30 * time.Second

// NewSMTP configures a mailer from a URL:
//
//	smtp://user:pass@host:587   STARTTLS, required (the default port is 587)
//	smtp://host:25?tls=opportunistic   STARTTLS when the server offers it
//	smtp://host:25?tls=none     plain text, for a relay on the same machine
//	smtps://user:pass@host:465  implicit TLS (the default port is 465)
//
// and ?timeout=30s. With a user, it authenticates with the strongest
// mechanism the server offers, never in clear text.
func NewSMTP(rawURL string, o SMTPOptions) (*SMTP, error) {
	from, err := ParseFrom(o.From)
	if err != nil {
		return nil, err
	}
	opts, host, err := smtpOptions(rawURL, o.TLS)
	if err != nil {
		return nil, err
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: %s: %w", maskedSMTP(rawURL), err)
	}
	s := &SMTP{client: c, from: from, clock: o.Clock, log: o.Log}
	if s.clock == nil {
		s.clock = esign.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// smtpOptions turns the URL into go-mail client options.
func smtpOptions(rawURL string, base *tls.Config) ([]gomail.Option, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, "", fmt.Errorf("mail: GSIGN_SMTP_URL %q: want smtp://[user:pass@]host[:port] or smtps://…", maskedSMTP(rawURL))
	}
	host := u.Hostname()
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		tlsConf = base.Clone()
	}
	tlsConf.ServerName = host
	opts := []gomail.Option{gomail.WithTLSConfig(tlsConf)}
	port, err := smtpPort(u)
	if err != nil {
		return nil, "", err
	}
	opts = append(opts, gomail.WithPort(port))
	tlsOpts, err := smtpTLS(u)
	if err != nil {
		return nil, "", err
	}
	opts = append(opts, tlsOpts...)
	timeout := DefaultSMTPTimeout
	if v := u.Query().Get("timeout"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 {
			return nil, "", fmt.Errorf("mail: GSIGN_SMTP_URL: timeout=%q: want a duration such as 30s", v)
		}
	}
	opts = append(opts, gomail.WithTimeout(timeout))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass),
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
	}
	return opts, host, nil
}

// smtpPort is the URL's port, or the scheme's submission port.
func smtpPort(u *url.URL) (int, error) {
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return 0, fmt.Errorf("mail: GSIGN_SMTP_URL: bad port %q", p)
		}
		return n, nil
	}
	if u.Scheme == "smtps" {
		return 465, nil
	}
	return 587, nil
}

// smtpTLS is how the connection is encrypted: the scheme, then ?tls=.
func smtpTLS(u *url.URL) ([]gomail.Option, error) {
	mode := u.Query().Get("tls")
	switch {
	case u.Scheme == "smtps" && (mode == "" || mode == "implicit"):
		return []gomail.Option{gomail.WithSSL()}, nil
	case u.Scheme != "smtp":
		return nil, fmt.Errorf("mail: GSIGN_SMTP_URL: scheme %q: want smtp or smtps (with smtps, no tls=)", u.Scheme)
	case mode == "" || mode == "required" || mode == "starttls":
		return []gomail.Option{gomail.WithTLSPortPolicy(gomail.TLSMandatory)}, nil
	case mode == "opportunistic":
		return []gomail.Option{gomail.WithTLSPortPolicy(gomail.TLSOpportunistic)}, nil
	case mode == "none":
		return []gomail.Option{gomail.WithTLSPortPolicy(gomail.NoTLS)}, nil
	}
	return nil, fmt.Errorf("mail: GSIGN_SMTP_URL: tls=%q: want required, opportunistic or none", mode)
}

// Send delivers m. A 4xx reply or a network failure is returned as it is,
// and the job runner retries; a 5xx rejection of the recipient or of the
// message is permanent, since sending the same message to the same address
// again cannot succeed.
func (s *SMTP) Send(ctx context.Context, m *esign.Email) error {
	msg, err := newMsg(m, s.from, s.clock.Now(), m.Attachments)
	if err != nil {
		return &esign.PermanentError{Err: err}
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("smtp: mail %s to %s: %w", m.ID, m.To, err)
		if rejected(err) {
			return &esign.PermanentError{Err: err}
		}
		return err
	}
	s.log.Info("email sent", "to", m.To, "subject", m.Subject, "message_id", msg.GetMessageID())
	return nil
}

// rejected reports whether err is a permanent (5xx) refusal of the
// recipient or of the message's data. A 5xx to MAIL FROM or AUTH is not:
// that is the operator's configuration, which can be fixed while the job
// waits to retry.
func rejected(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}

// maskedSMTP hides the password of an SMTP URL for messages and logs.
func maskedSMTP(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
