package cli

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/metrics"
	"github.com/gsign/gsign/internal/oidc"
	"github.com/gsign/gsign/internal/password"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/certificate"
	"github.com/gsign/gsign/internal/pdf/pades"
	"github.com/gsign/gsign/internal/pki"
	gsredis "github.com/gsign/gsign/internal/redis"
	"github.com/gsign/gsign/internal/sqldb"
	"github.com/gsign/gsign/internal/totp"
	"github.com/gsign/gsign/internal/webhook"
)

// app is a wired GSign: the adapters, the Service and the job runner.
type app struct {
	cfg    config.Config
	log    *slog.Logger
	db     *sqldb.DB
	blobs  blob.Store
	redis  *gsredis.Client // nil without GSIGN_REDIS_URL
	svc    *esign.Service
	runner *jobs.Runner
	pki    *pki.PKI
	health *selfTest
	// breakers guard the services GSign calls; metrics reports them.
	breakers *breaker.Set
	metrics  *metrics.Metrics
	// changes tells the API's waiting requests of the envelopes the
	// Service's commits change; the server closes it on shutdown.
	changes *esign.EnvelopeChanges
}

// loadConfigWith is loadConfig for a command with flags of its own in fs.
func loadConfigWith(fs *flag.FlagSet, env Env, args []string) (config.Config, error) {
	return config.Load(fs, args, env.Getenv)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openApp opens the database and the blob store and wires the Service.
func openApp(ctx context.Context, cfg config.Config, logOut io.Writer, clock esign.Clock) (*app, error) {
	log := newLogger(cfg, logOut)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	db, err := sqldb.Open(ctx, cfg.DatabaseDSN(), sqldb.Options{AutoMigrate: cfg.AutoMigrate, Clock: clock, MaxConns: cfg.DatabaseMaxConns})
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db}
	a.breakers, a.metrics = newBreakers(cfg, db, log)
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.blobs = guardBlobs(cfg, blobs, a.breakers)
	if a.redis, err = openRedis(ctx, cfg, log); err != nil {
		a.Close()
		return nil, err
	}
	if a.pki, err = openPKI(ctx, cfg, blobs, clock, log); err != nil {
		a.Close()
		return nil, err
	}
	a.health = &selfTest{pki: a.pki, log: log}
	mailer, err := openMailer(cfg, log, clock)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.svc = a.newService(clock, mailer)
	a.changes = esign.NewEnvelopeChanges()
	a.svc.Store = esign.NotifyChanges(a.db, a.changes)
	if a.svc.Secrets, a.svc.AuthKey, err = secretKeys(cfg, log); err != nil {
		a.Close()
		return nil, err
	}
	if a.svc.SMS, err = a.openSMS(); err != nil {
		a.Close()
		return nil, err
	}
	roots, err := trustRoots(a.pki.Root(), cfg.TrustStore)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.svc.Verifier = padesVerifier{opts: pades.VerifyOptions{Roots: roots}}
	host, _ := os.Hostname()
	a.runner = jobs.New(db, a.svc.HandleJob, clock, log, jobsConfig(cfg, fmt.Sprintf("%s-%d", host, os.Getpid())))
	a.svc.Wake = a.runner.Wake
	return a, nil
}

// openBlobs opens the file store: GSIGN_BLOB_URL, else <data>/blobs.
func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	if cfg.BlobURL != "" {
		return blob.OpenURL(ctx, cfg.BlobURL)
	}
	return blob.NewDisk(filepath.Join(cfg.DataDir, "blobs"))
}

// guardBlobs calls S3 through the "s3" circuit breaker; a local folder
// needs none.
func guardBlobs(cfg config.Config, s blob.Store, breakers *breaker.Set) blob.Store {
	if !cfg.S3() {
		return s
	}
	return &breaker.Blobs{Next: s, Breaker: breakers.Get("s3")}
}

// openRedis connects to GSIGN_REDIS_URL if set. Only a malformed URL is an
// error: Redis holds nothing that is not also in the database, so an
// unreachable one is logged and the process carries on without it.
func openRedis(ctx context.Context, cfg config.Config, log *slog.Logger) (*gsredis.Client, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	return gsredis.Open(ctx, cfg.RedisURL, gsredis.Options{Log: log})
}

func jobsConfig(cfg config.Config, worker string) jobs.Config {
	jc := jobs.DefaultConfig(worker)
	jc.Concurrency, jc.Lease = cfg.JobConcurrency, cfg.JobLease
	return jc
}

func (a *app) newService(clock esign.Clock, mailer esign.Mailer) *esign.Service {
	sc := esign.DefaultConfig()
	sc.PublicURL, sc.MaxUploadBytes = a.cfg.PublicURL, a.cfg.MaxUploadBytes
	sc.AttachMaxBytes = a.cfg.MailAttachMaxBytes
	sc.SignIn.LockAfter, sc.SignIn.LockFor, sc.SignIn.LockMax = a.cfg.SignIn.LockAfter, a.cfg.SignIn.LockFor, a.cfg.SignIn.LockMax
	sc.IDVURL, sc.IDVSecret = a.cfg.IDVURL, []byte(a.cfg.IDVSecret)
	signer, chain := a.pki.Seal()
	sealer := newSealer(a.cfg, a.pki, signer, chain)
	sealer.TSA = &breaker.TSA{Next: sealer.TSA, Breaker: a.breakers.Get("tsa")}
	svc := &esign.Service{
		Store: a.db, Blobs: a.blobs, Clock: clock, Log: a.log, Config: sc,
		Inspector: &pdf.Inspector{}, Stamper: &pdf.Stamper{}, Renderer: &pdf.SignatureRenderer{},
		Sealer: sealer,
		Merger: &pdf.Merger{}, Certificates: &certificate.Renderer{},
		Passwords: &password.Argon2id{Params: password.DefaultParams},
		Mailer:    mailer,
		TOTP:      totp.Authenticator{},
		Webhooks: &breaker.Webhooks{Hosts: a.breakers.Group("webhook"),
			Next: webhook.New(webhook.Config{Policy: webhook.Policy{Allow: a.cfg.WebhookAllowNets}, Timeout: a.cfg.WebhookTimeout})},
	}
	svc.Mailer = &breaker.Sender[esign.Email]{Next: svc.Mailer, Breaker: a.breakers.Get("mail")}
	// Providers are reached like webhooks: an organization's admin chooses
	// the URL, so only public addresses unless allowed.
	ssoHTTP := webhook.New(webhook.Config{Policy: webhook.Policy{Allow: a.cfg.SSOAllowNets}, Timeout: 10 * time.Second}).HTTPClient()
	svc.OpenID = oidc.New(oidc.Config{Now: clock.Now, HTTP: ssoHTTP})
	svc.DNS = ssoResolver(a.cfg.SSODNSServer)
	return svc
}

// ssoResolver asks server for the TXT records that verify SSO domains;
// with no server, the system's resolver.
func ssoResolver(server string) *net.Resolver {
	if server == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
}

func (a *app) Close() {
	if a.pki != nil {
		a.pki.Close()
	}
	if a.redis != nil {
		a.redis.Close()
	}
	a.blobs.Close()
	a.db.Close()
}

// newSealer seals at the configured PAdES level; from B-LT on, the DSS
// carries the platform root's CRL (which also covers the built-in TSA).
// The built-in TSA, behind its breaker, tells the sealer that its tokens
// need no check.
var (
	_ pades.InProcessTimestamper = (*pki.PKI)(nil)
	_ pades.InProcessTimestamper = (*breaker.TSA)(nil)
)

func newSealer(cfg config.Config, p *pki.PKI, signer crypto.Signer, chain []*x509.Certificate) *pades.Sealer {
	return &pades.Sealer{Signer: signer, Chain: chain, TSA: p.Timestamper(), Level: pades.Level(cfg.SealLevel),
		Revocation: func(ctx context.Context) ([][]byte, error) {
			crl, err := p.CRL(ctx)
			return [][]byte{crl}, err
		}}
}

// secretKeys derives from the master key (read, or created by openPKI
// before) the box that seals webhook secrets and the key of recipient
// authentication codes, so that every process of a deployment shares them.
func secretKeys(cfg config.Config, log *slog.Logger) (*esign.SecretBox, []byte, error) {
	key, err := masterKey(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	box, err := esign.NewSecretBox(key)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gsign recipient auth v1"))
	return box, m.Sum(nil), err
}

// openPKI opens the platform PKI (creating it on first start, with keys of
// the configured algorithm) with the master key, the shared blob store and
// the public URL of the CRL.
func openPKI(ctx context.Context, cfg config.Config, blobs esign.Blobs, clock esign.Clock, log *slog.Logger) (*pki.PKI, error) {
	key, err := masterKey(cfg, log)
	if err != nil {
		return nil, err
	}
	opts := pki.Options{MasterKey: key, Store: blobs, Clock: clock, Organization: "GSign",
		CRLURL: cfg.PublicURL + "/pki/root.crl", TSAURL: cfg.TSAURL, KeyAlgorithm: pki.KeyAlgorithm(cfg.PKIKeyAlgorithm)}
	if cfg.HSMModule != "" {
		opts.HSM = &pki.HSMConfig{Module: cfg.HSMModule, TokenLabel: cfg.HSMToken, Pin: cfg.HSMPin, KeyLabel: cfg.HSMKey}
	}
	p, err := pki.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open the platform PKI: %w", err)
	}
	return p, nil
}
