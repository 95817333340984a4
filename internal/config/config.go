// Package config is GSign's one typed configuration: defaults, then
// environment variables (GSIGN_*), then command-line flags.
package config

import (
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is everything a gsign process can be told.
type Config struct {
	Addr      string // listen address
	DataDir   string // embedded defaults live here
	PublicURL string // base of links in emails; default http://<Addr>
	// DatabaseURL: empty means SQLite at <DataDir>/gsign.db; a
	// postgres:// URL means PostgreSQL.
	DatabaseURL string
	// BlobURL is where files live: empty means <DataDir>/blobs on local
	// disk; s3://bucket/prefix?endpoint=… means S3.
	BlobURL string
	// QueueURL is a RabbitMQ amqp:// URL that jobs are fanned out through;
	// empty: workers claim jobs from the database alone.
	QueueURL string
	// RedisURL is a redis:// URL for rate-limit counters shared by every
	// process and the idempotency fast path; empty: both stay in process.
	RedisURL    string
	AutoMigrate bool
	// Roles this process plays: api, worker, scheduler.
	Roles          []string
	MaxUploadBytes int64
	LogLevel       slog.Level
	LogFormat      string // text or json
	MailFrom       string
	MailLogLinks   bool
	// SMTPURL sends email through an SMTP server: smtp://user:pass@host:587
	// (STARTTLS required; ?tls=opportunistic or ?tls=none for a local
	// relay), smtps://user:pass@host:465 (implicit TLS), ?timeout=30s.
	// Empty: .eml files in <DataDir>/mail. Secret: masked when printed.
	SMTPURL string
	// SMTPCAFile is a PEM file of extra roots trusted for the SMTP server's
	// certificate (a relay with a private CA); empty: the system's roots.
	SMTPCAFile string
	// MailAttachMaxBytes: completed documents larger than this are linked
	// from the completed email instead of attached.
	MailAttachMaxBytes int64
	TrustProxy         bool
	// MasterKey encrypts the platform's private keys at rest: 32 bytes,
	// base64 in GSIGN_MASTER_KEY. Empty: read or create <data>/master.key.
	MasterKey []byte
	// MasterKeyFile is a file holding the master key that every process
	// shares (a mounted secret); it must exist. Empty: <data>/master.key,
	// created on first start, which only a single-machine deployment may use.
	MasterKeyFile string
	// SignIn is the lockout and failed sign-in policy.
	SignIn SignIn
	// TSAURL is an external RFC 3161 timestamp authority; empty: built in.
	TSAURL string
	// TrustStore is a PEM file of extra trust anchors for verification,
	// besides the platform root.
	TrustStore string
	// SealLevel is the PAdES baseline level: B-T (default), B-LT or B-LTA.
	SealLevel string
	// PKIKeyAlgorithm is the key type of a platform PKI created on first
	// start: ecdsa-p256 (default) or rsa-3072. An existing PKI keeps its keys.
	PKIKeyAlgorithm string
	// HSM* put the seal key in an HSM over PKCS#11; HSMModule empty: no HSM.
	HSMModule, HSMToken, HSMPin, HSMKey string
	// JobConcurrency is how many jobs a worker runs at once; 4 per CPU
	// (Go's GOMAXPROCS when the configuration loads, before gsign serve
	// raises it on SQLite) by default. Sealing takes at most half of them.
	JobConcurrency int
	// DatabaseMaxConns is how many connections a process opens to
	// PostgreSQL at most (GSIGN_DATABASE_MAX_CONNS); 0 leaves sqldb's
	// default. SQLite ignores it.
	DatabaseMaxConns int
	// RateLimits are requests per minute per class of caller; 0 turns a
	// class off. GSIGN_RATE_LIMITS="api=6000,auth=20" sets some, "off" all.
	RateLimits RateLimits
	// JobLease is how long a worker owns a claimed job; a crashed worker's
	// jobs run again after it.
	JobLease       time.Duration
	ExpiryInterval time.Duration
	// WebhookAllowNets are internal networks webhooks may still reach, for
	// development and tests: GSIGN_WEBHOOK_ALLOW_NETS="127.0.0.0/8,::1/128".
	// Empty in production: only public addresses, over https.
	WebhookAllowNets []netip.Prefix
	// WebhookTimeout bounds one webhook attempt, so a hanging receiver holds
	// a worker only that long.
	WebhookTimeout time.Duration
	// SSODNSServer ("host:port") is the DNS server that single sign-on's
	// domain verification asks for TXT records; empty: the system's
	// resolver. Set it where the system's DNS sees an internal view.
	SSODNSServer string
	// SSOAllowNets are internal networks single sign-on's providers may be
	// reached in (a Keycloak on the private network): discovery, JWKS and
	// token requests go only to public addresses otherwise, as webhooks do,
	// so an organization's admin cannot point GSign at internal services.
	SSOAllowNets []netip.Prefix

	// SMSURL names the SMS provider: log:// (default: files in
	// <data>/sms, and the log) or twilio://SID:TOKEN@api.twilio.com?from=….
	SMSURL string
	// IDVURL is the identity verification provider's start page and
	// IDVSecret the HMAC-SHA256 key shared with it (GSIGN_IDV_URL,
	// GSIGN_IDV_SECRET; secret: masked when printed). Empty: the idv
	// recipient authentication is refused.
	IDVURL    string
	IDVSecret string
	// MetricsAddr is where Prometheus metrics are served, on a listener of
	// their own; empty: not served. Internal only: it has no authentication.
	MetricsAddr string
	// Pprof adds Go's profiler (/debug/pprof/) to the metrics listener
	// (GSIGN_PPROF; off by default, and only where MetricsAddr is set): CPU
	// and heap profiles of a running server, for finding where its time goes.
	Pprof bool
	// BreakerFailures consecutive failures open a service's circuit breaker;
	// BreakerOpenFor later it lets one trial call through.
	BreakerFailures int
	BreakerOpenFor  time.Duration
}

// parsePrefixes reads a comma-separated list of CIDR networks.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range splitList(v) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// RateLimits are the API's request limits per minute (see api.RateLimits):
// Auth per client address on sign-in routes, API per API key or user,
// Signing per signing link, Public per client address on other open routes,
// Guesses per client address for links that do not exist (unknown tokens).
type RateLimits struct {
	Auth, API, Signing, Public, Guesses int
}

// parseRateLimits sets the classes named in v ("class=N,…", or "off").
func (r *RateLimits) parse(v string) error {
	if strings.TrimSpace(v) == "off" {
		*r = RateLimits{}
		return nil
	}
	classes := map[string]*int{"auth": &r.Auth, "api": &r.API, "signing": &r.Signing, "public": &r.Public, "guesses": &r.Guesses}
	for _, part := range splitList(v) {
		name, num, ok := strings.Cut(part, "=")
		dst, known := classes[strings.TrimSpace(name)]
		if !ok || !known {
			return fmt.Errorf("%q: want class=N with class auth, api, signing, public or guesses, or off", part)
		}
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 0 {
			return fmt.Errorf("%q: want a number of requests per minute, 0 for no limit", part)
		}
		*dst = n
	}
	return nil
}

// Default returns the embedded defaults.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8080", DataDir: "./data", AutoMigrate: true,
		Roles: slices.Clone(allRoles), MaxUploadBytes: 50 << 20,
		LogLevel: slog.LevelInfo, LogFormat: "text", MailFrom: "GSign <no-reply@gsign.local>",
		MailLogLinks: true, MailAttachMaxBytes: 10 << 20, PKIKeyAlgorithm: "ecdsa-p256", RateLimits: RateLimits{Auth: 10, API: 600, Signing: 120, Public: 60, Guesses: 20}, JobConcurrency: 4 * runtime.GOMAXPROCS(0), JobLease: 5 * time.Minute, ExpiryInterval: 30 * time.Second,
		WebhookTimeout: 10 * time.Second,
		SMSURL:         "log://", BreakerFailures: 5, BreakerOpenFor: 30 * time.Second,
		SignIn: DefaultSignIn(),
	}
}

// Load reads the environment (via getenv) and then flags from args into c.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	c := Default()
	if err := c.fromEnv(getenv); err != nil {
		return c, err
	}
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (GSIGN_ADDR)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data folder for the embedded defaults (GSIGN_DATA_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL of links in emails (GSIGN_PUBLIC_URL)")
	fs.StringVar(&c.DatabaseURL, "database", c.DatabaseURL, "database: a SQLite file path or a postgres:// URL; default <data>/gsign.db (GSIGN_DATABASE_URL)")
	fs.StringVar(&c.BlobURL, "blobs", c.BlobURL, "file storage: a folder or an s3:// URL; default <data>/blobs (GSIGN_BLOB_URL)")
	fs.StringVar(&c.QueueURL, "queue", c.QueueURL, "RabbitMQ amqp:// URL for job fan-out; default: the database alone (GSIGN_QUEUE_URL)")
	fs.StringVar(&c.RedisURL, "redis", c.RedisURL, "Redis redis:// URL for shared rate limits and caches (GSIGN_REDIS_URL)")
	fs.Func("roles", "comma-separated roles of this process: api, worker, scheduler (GSIGN_ROLES; default all)", func(v string) error {
		c.Roles = splitList(v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c, c.validate()
}

func (c *Config) fromEnv(getenv func(string) string) error {
	str := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	str("GSIGN_ADDR", &c.Addr)
	str("GSIGN_DATA_DIR", &c.DataDir)
	str("GSIGN_PUBLIC_URL", &c.PublicURL)
	str("GSIGN_DATABASE_URL", &c.DatabaseURL)
	str("GSIGN_BLOB_URL", &c.BlobURL)
	str("GSIGN_QUEUE_URL", &c.QueueURL)
	str("GSIGN_REDIS_URL", &c.RedisURL)
	str("GSIGN_LOG_FORMAT", &c.LogFormat)
	str("GSIGN_MAIL_FROM", &c.MailFrom)
	str("GSIGN_SMTP_URL", &c.SMTPURL)
	str("GSIGN_SMTP_CA_FILE", &c.SMTPCAFile)
	str("GSIGN_TSA_URL", &c.TSAURL)
	str("GSIGN_SEAL_LEVEL", &c.SealLevel)
	str("GSIGN_PKI_KEY_ALGORITHM", &c.PKIKeyAlgorithm)
	str("GSIGN_TRUST_STORE", &c.TrustStore)
	str("GSIGN_HSM_MODULE", &c.HSMModule)
	str("GSIGN_HSM_TOKEN", &c.HSMToken)
	str("GSIGN_HSM_PIN", &c.HSMPin)
	str("GSIGN_HSM_KEY", &c.HSMKey)
	str("GSIGN_SMS_URL", &c.SMSURL)
	str("GSIGN_IDV_URL", &c.IDVURL)
	str("GSIGN_IDV_SECRET", &c.IDVSecret)
	str("GSIGN_METRICS_ADDR", &c.MetricsAddr)
	if v := getenv("GSIGN_ROLES"); v != "" {
		c.Roles = splitList(v)
	}
	parsers := []struct {
		key   string
		parse func(string) error
	}{
		{"GSIGN_MAX_UPLOAD_BYTES", func(v string) (err error) { c.MaxUploadBytes, err = strconv.ParseInt(v, 10, 64); return }},
		{"GSIGN_AUTO_MIGRATE", func(v string) (err error) { c.AutoMigrate, err = strconv.ParseBool(v); return }},
		{"GSIGN_MAIL_LOG_LINKS", func(v string) (err error) { c.MailLogLinks, err = strconv.ParseBool(v); return }},
		{"GSIGN_MAIL_ATTACH_MAX_BYTES", func(v string) (err error) { c.MailAttachMaxBytes, err = strconv.ParseInt(v, 10, 64); return }},
		{"GSIGN_PPROF", func(v string) (err error) { c.Pprof, err = strconv.ParseBool(v); return }},
		{"GSIGN_TRUST_PROXY", func(v string) (err error) { c.TrustProxy, err = strconv.ParseBool(v); return }},
		{"GSIGN_JOB_CONCURRENCY", func(v string) (err error) { c.JobConcurrency, err = strconv.Atoi(v); return }},
		{"GSIGN_DATABASE_MAX_CONNS", func(v string) (err error) { c.DatabaseMaxConns, err = strconv.Atoi(v); return }},
		{"GSIGN_EXPIRY_INTERVAL", func(v string) (err error) { c.ExpiryInterval, err = time.ParseDuration(v); return }},
		{"GSIGN_JOB_LEASE", func(v string) (err error) { c.JobLease, err = time.ParseDuration(v); return }},
		{"GSIGN_LOG_LEVEL", func(v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
		{"GSIGN_MASTER_KEY", func(v string) (err error) { c.MasterKey, err = ParseMasterKey(v); return }},
		{"GSIGN_RATE_LIMITS", c.RateLimits.parse},
		{"GSIGN_WEBHOOK_ALLOW_NETS", func(v string) (err error) { c.WebhookAllowNets, err = parsePrefixes(v); return }},
		{"GSIGN_WEBHOOK_TIMEOUT", func(v string) (err error) { c.WebhookTimeout, err = time.ParseDuration(v); return }},
		{"GSIGN_SSO_DNS_SERVER", func(v string) error { c.SSODNSServer = v; return nil }},
		{"GSIGN_SSO_ALLOW_NETS", func(v string) (err error) { c.SSOAllowNets, err = parsePrefixes(v); return }},
		{"GSIGN_BREAKER_FAILURES", func(v string) (err error) { c.BreakerFailures, err = strconv.Atoi(v); return }},
		{"GSIGN_BREAKER_OPEN_FOR", func(v string) (err error) { c.BreakerOpenFor, err = time.ParseDuration(v); return }},
	}
	for _, p := range parsers {
		if v := getenv(p.key); v != "" {
			if err := p.parse(v); err != nil {
				return fmt.Errorf("config: %s=%q: %w", p.key, maskSecret(p.key, v), err)
			}
		}
	}
	return c.signInFromEnv(getenv)
}

// maskSecret hides the value of a secret setting in error messages.
func maskSecret(key, v string) string {
	if key == "GSIGN_MASTER_KEY" {
		return "***"
	}
	return v
}

// allRoles are the roles a process plays unless told otherwise.
var allRoles = []string{"api", "worker", "scheduler"}

// splitList splits a comma-separated list, trimming items and dropping
// blank ones.
func splitList(v string) []string {
	var roles []string
	for _, r := range strings.Split(v, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	return roles
}

func (c *Config) validate() error {
	if err := c.validateRoles(); err != nil {
		return err
	}
	if err := c.validateSignIn(); err != nil {
		return err
	}
	switch {
	case c.MaxUploadBytes < 1024:
		return fmt.Errorf("config: GSIGN_MAX_UPLOAD_BYTES must be at least 1024")
	case !validSender(c.MailFrom):
		return fmt.Errorf("config: GSIGN_MAIL_FROM %q is not an address such as \"GSign <no-reply@sign.example.com>\"", c.MailFrom)
	case c.MailAttachMaxBytes < 0:
		return fmt.Errorf("config: GSIGN_MAIL_ATTACH_MAX_BYTES must not be negative")
	case c.SMTPURL != "" && !strings.HasPrefix(c.SMTPURL, "smtp://") && !strings.HasPrefix(c.SMTPURL, "smtps://"):
		return fmt.Errorf("config: GSIGN_SMTP_URL must start with smtp:// or smtps://")
	case c.JobConcurrency < 1:
		return fmt.Errorf("config: GSIGN_JOB_CONCURRENCY must be at least 1")
	case c.DatabaseMaxConns < 0:
		return fmt.Errorf("config: GSIGN_DATABASE_MAX_CONNS must not be negative")
	case c.JobLease < time.Second:
		return fmt.Errorf("config: GSIGN_JOB_LEASE must be at least 1s")
	case c.ExpiryInterval < time.Second:
		return fmt.Errorf("config: GSIGN_EXPIRY_INTERVAL must be at least 1s")
	case c.WebhookTimeout < 100*time.Millisecond || c.WebhookTimeout > time.Minute:
		return fmt.Errorf("config: GSIGN_WEBHOOK_TIMEOUT must be between 100ms and 1m")
	case c.SSODNSServer != "" && !validHostPort(c.SSODNSServer):
		return fmt.Errorf("config: GSIGN_SSO_DNS_SERVER must be host:port, such as 10.0.0.2:53, not %q", c.SSODNSServer)
	case c.HSMModule != "" && (c.HSMToken == "" || c.HSMPin == "" || c.HSMKey == ""):
		return fmt.Errorf("config: GSIGN_HSM_MODULE needs GSIGN_HSM_TOKEN, GSIGN_HSM_PIN and GSIGN_HSM_KEY")
	case c.SealLevel != "" && c.SealLevel != "B-T" && c.SealLevel != "B-LT" && c.SealLevel != "B-LTA":
		return fmt.Errorf("config: GSIGN_SEAL_LEVEL must be B-T, B-LT or B-LTA")
	case c.PKIKeyAlgorithm != "ecdsa-p256" && c.PKIKeyAlgorithm != "rsa-3072":
		return fmt.Errorf("config: GSIGN_PKI_KEY_ALGORITHM must be ecdsa-p256 or rsa-3072, not %q", c.PKIKeyAlgorithm)
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("config: GSIGN_LOG_FORMAT must be text or json")
	case c.Pprof && c.MetricsAddr == "":
		return fmt.Errorf("config: GSIGN_PPROF serves the profiler on the metrics listener: set GSIGN_METRICS_ADDR too")
	case c.BreakerFailures < 1:
		return fmt.Errorf("config: GSIGN_BREAKER_FAILURES must be at least 1")
	case c.BreakerOpenFor < time.Second:
		return fmt.Errorf("config: GSIGN_BREAKER_OPEN_FOR must be at least 1s")
	case !strings.HasPrefix(c.SMSURL, "log://") && !strings.HasPrefix(c.SMSURL, "twilio://"):
		return fmt.Errorf("config: GSIGN_SMS_URL must be log:// or twilio://SID:TOKEN@host?from=…")
	case (c.IDVURL == "") != (c.IDVSecret == ""):
		return fmt.Errorf("config: GSIGN_IDV_URL and GSIGN_IDV_SECRET go together")
	case c.IDVURL != "" && !strings.HasPrefix(c.IDVURL, "https://") && !strings.HasPrefix(c.IDVURL, "http://"):
		return fmt.Errorf("config: GSIGN_IDV_URL must be an http(s) URL")
	case c.IDVSecret != "" && len(c.IDVSecret) < 32:
		return fmt.Errorf("config: GSIGN_IDV_SECRET must have at least 32 characters")
	}
	return nil
}

// validateRoles refuses unknown roles, and split roles on the embedded
// engines: a process that plays only some roles relies on others to play
// the rest, on other machines, and those cannot share a SQLite file or a
// local folder.
func (c *Config) validateRoles() error {
	if len(c.Roles) == 0 {
		return fmt.Errorf("config: no roles given (want some of api, worker, scheduler)")
	}
	for _, r := range c.Roles {
		if !slices.Contains(allRoles, r) {
			return fmt.Errorf("config: unknown role %q (want api, worker or scheduler)", r)
		}
	}
	if c.SplitRoles() {
		switch {
		case !c.Postgres():
			return fmt.Errorf("config: roles %s need a shared database: set GSIGN_DATABASE_URL=postgres://… (SQLite is one process's file)", strings.Join(c.Roles, ","))
		case !c.S3():
			return fmt.Errorf("config: roles %s need shared file storage: set GSIGN_BLOB_URL=s3://… (a local folder is one machine's)", strings.Join(c.Roles, ","))
		}
	}
	return nil
}

// SplitRoles reports whether this process plays only some of the roles.
func (c Config) SplitRoles() bool {
	for _, r := range allRoles {
		if !c.HasRole(r) {
			return true
		}
	}
	return false
}

// Postgres reports whether the database is PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// S3 reports whether files live in S3.
func (c Config) S3() bool { return strings.HasPrefix(c.BlobURL, "s3://") }

// ParseMasterKey decodes a base64 (standard or URL) 32-byte master key and
// refuses a weak one (CheckMasterKey).
func ParseMasterKey(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if err := CheckMasterKey(k); err != nil {
				return nil, err
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("master key is not base64 (make one with: head -c 32 /dev/urandom | base64)")
}

// HasRole reports whether this process plays role.
func (c Config) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// DatabaseDSN returns what sqldb.Open takes: the PostgreSQL URL, or the
// SQLite file to use.
func (c Config) DatabaseDSN() string {
	if c.DatabaseURL != "" {
		return strings.TrimPrefix(c.DatabaseURL, "sqlite://")
	}
	return filepath.Join(c.DataDir, "gsign.db")
}

// String prints the configuration with secrets masked.
func (c Config) String() string {
	key := "from " + filepath.Join(c.DataDir, "master.key")
	if len(c.MasterKey) > 0 {
		key = "***"
	} else if c.MasterKeyFile != "" {
		key = "from " + c.MasterKeyFile
	}
	return fmt.Sprintf("addr=%s data=%s public_url=%s database=%s blobs=%s queue=%s redis=%s roles=%s max_upload=%d job_concurrency=%d pki_key_algorithm=%s master_key=%s smtp=%s webhook_allow_nets=%s",
		c.Addr, c.DataDir, c.PublicURL, maskURL(c.DatabaseURL), maskURL(c.BlobURL), maskURL(c.QueueURL), maskURL(c.RedisURL),
		strings.Join(c.Roles, ","), c.MaxUploadBytes, c.JobConcurrency, c.PKIKeyAlgorithm, key, c.mailer(), joinPrefixes(c.WebhookAllowNets)) +
		fmt.Sprintf(" sms=%s metrics=%s pprof=%t breaker_failures=%d breaker_open_for=%s idv=%s", maskURL(c.SMSURL), c.MetricsAddr, c.Pprof, c.BreakerFailures, c.BreakerOpenFor, c.idv())
}

// idv prints the identity verification provider, never its secret.
func (c Config) idv() string {
	if c.IDVURL == "" {
		return "off"
	}
	return maskURL(c.IDVURL) + " secret=***"
}

// validSender reports whether from is an RFC 5322 address, with or
// without a display name.
func validSender(from string) bool {
	_, err := mail.ParseAddress(from)
	return err == nil
}

// mailer names where email goes, for the printed configuration.
func (c Config) mailer() string {
	if c.SMTPURL == "" {
		return "(.eml files in " + filepath.Join(c.DataDir, "mail") + ")"
	}
	return maskURL(c.SMTPURL)
}

// joinPrefixes prints networks as GSIGN_WEBHOOK_ALLOW_NETS takes them.
func joinPrefixes(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ",")
}

// maskURL hides the credentials of a URL (user:password@ and any password
// or secret query parameter), so configuration can be logged.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return raw
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	q := u.Query()
	for k := range q {
		if l := strings.ToLower(k); strings.Contains(l, "password") || strings.Contains(l, "secret") || strings.Contains(l, "key") {
			q.Set(k, "***")
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// validHostPort reports whether s is host:port with a non-empty host and a
// port number.
func validHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	return err == nil && host != "" && perr == nil && n > 0 && n < 65536
}
