package esign

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// PasswordHasher hashes and checks passwords (argon2id in production).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded.
	Verify(encoded, password string) (bool, error)
	// NeedsRehash reports whether encoded was made with weaker parameters
	// than Hash uses now; a successful sign-in then hashes the password anew.
	NeedsRehash(encoded string) bool
}

// Email is a message to one recipient.
type Email struct {
	// ID is stable across retries of the job that sends it, so a transport can
	// deduplicate (Message-ID) and a file mailer overwrites instead of doubling.
	ID      string
	To      string
	ToName  string
	Subject string
	// FromName is the organization the email is sent for; the mailer shows
	// it as "Acme via <its sender's name>", keeping the sender's address so
	// SPF and DKIM still hold. Empty: the sender alone.
	FromName string
	// ReplyTo is where replies go, the organization's reply-to address;
	// empty: no Reply-To header.
	ReplyTo string
	// Link is the message's call to action (a signing link), if any. A
	// development mailer may log it so a person can click it.
	Link string
	Text string
	HTML string
	// Attachments are sent with the message (the completed documents).
	Attachments []Attachment
}

// Attachment is a file attached to an Email.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	// ContentID, when set, makes the file an inline part that the HTML
	// shows as cid:ContentID (the organization's logo) rather than a file
	// offered for download; images in email are not fetched remotely.
	ContentID string
}

// Mailer delivers email.
type Mailer interface {
	Send(ctx context.Context, m *Email) error
}

// Config holds the Service's tunables.
type Config struct {
	// PublicURL is the base of links in emails, e.g. "https://sign.example.com".
	PublicURL string
	// MaxUploadBytes bounds a document upload.
	MaxUploadBytes int64
	AccessTTL      time.Duration
	RefreshTTL     time.Duration
	// EmbeddedTTL is how long an unused embedded signing URL lives.
	EmbeddedTTL time.Duration
	// SessionTTL is how long the session minted from an embedded URL lives.
	SessionTTL time.Duration
	// AttachMaxBytes: completed documents larger than this are linked, not attached.
	AttachMaxBytes int64
	// ResultLinkTTL is how long the link that replaces a completed email's
	// attachment, when the results are too large, lets a recipient download
	// them.
	ResultLinkTTL time.Duration
	// SignIn is the lockout policy and the lifetimes of sign-in secrets.
	SignIn SignInPolicy
	// IDVURL is the identity verification provider's start page and
	// IDVSecret the key both sides sign with (HMAC-SHA256); empty: the idv
	// method is refused (docs/recipient-auth.md).
	IDVURL    string
	IDVSecret []byte
	// ScratchInMemory is how large an intermediate file of finalize may
	// grow in memory before it goes to the blob store; 0 means
	// DefaultScratchInMemory, a negative value always the blob store.
	ScratchInMemory int
}

// DefaultConfig returns the defaults documented in docs/operations.md.
func DefaultConfig() Config {
	return Config{
		PublicURL:      "http://127.0.0.1:8080",
		MaxUploadBytes: 50 << 20,
		AccessTTL:      15 * time.Minute,
		RefreshTTL:     30 * 24 * time.Hour,
		EmbeddedTTL:    5 * time.Minute,
		SessionTTL:     time.Hour,
		AttachMaxBytes: 10 << 20,
		ResultLinkTTL:  30 * 24 * time.Hour,
		SignIn:         DefaultSignInPolicy(),
	}
}

// Service holds GSign's use cases, one per file. Its fields are the ports it
// consumes; cli wires the adapters in.
type Service struct {
	Store     Store
	Blobs     Blobs
	Inspector PDFInspector
	Stamper   Stamper
	Renderer  SignatureRenderer
	// Sealer, Merger and Certificates produce the sealed outputs.
	Sealer       Sealer
	Merger       Merger
	Certificates CertificateRenderer
	Verifier     Verifier
	Passwords    PasswordHasher
	Mailer       Mailer
	// Webhooks sends webhook deliveries and checks endpoint URLs.
	Webhooks Webhooks
	// Secrets seals the webhook secrets at rest; nil stores them in the clear.
	Secrets *SecretBox
	Clock   Clock
	Log     *slog.Logger
	Config  Config
	// Wake, when set, is called after a transaction that enqueued jobs
	// commits, so an in-process runner can pick them up at once.
	Wake func()
	// SMS sends text messages to recipients who gave a phone number.
	SMS SMSSender
	// TOTP checks second-factor codes; nil turns TOTP enrollment off.
	TOTP TOTP
	// OpenID talks to organizations' OpenID Connect providers; nil turns
	// single sign-on off.
	OpenID OpenID
	// DNS finds the TXT records that verify SSO domains; nil means
	// net.DefaultResolver.
	DNS TXTResolver
	// AuthKey (32 bytes, derived from the master key) keys the HMAC of
	// one-time codes and seals them in their outbox jobs; nil: a random key
	// per process, which suits a single process and tests.
	AuthKey []byte

	dummyOnce sync.Once
	dummyHash string
	keyOnce   sync.Once
	authKey   []byte
	codeBox   *SecretBox
}

// RequestMeta is where a request came from; it goes into the audit trail.
type RequestMeta struct {
	IP        string
	UserAgent string
}

type metaKey struct{}

// WithRequestMeta returns ctx carrying m.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the RequestMeta in ctx, or the zero value.
func MetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaKey{}).(RequestMeta)
	return m
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}
