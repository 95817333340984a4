package cli

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/pades"
)

// padesVerifier is the esign.Verifier over pades.Verify with the trust
// anchors this installation trusts.
type padesVerifier struct {
	opts pades.VerifyOptions
}

var _ esign.Verifier = padesVerifier{}

func (v padesVerifier) Verify(ctx context.Context, r io.ReaderAt, size int64) (*esign.Verification, error) {
	rep, err := pades.Verify(ctx, r, size, v.opts)
	if err != nil {
		return nil, err
	}
	return &esign.Verification{Valid: rep.Valid, Report: rep}, nil
}

// trustRoots is the platform root (if known) plus the PEM files given.
func trustRoots(platformRoot *x509.Certificate, files ...string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if platformRoot != nil {
		pool.AddCert(platformRoot)
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trust store: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("trust store %s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

type trustFlags []string

func (t *trustFlags) String() string     { return strings.Join(*t, ",") }
func (t *trustFlags) Set(v string) error { *t = append(*t, v); return nil }

// runVerify: gsign verify FILE.pdf [--json] [--trust ROOTS.pem]… Exit 0
// valid, 1 invalid or modified, 2 error. It needs no server: the platform
// root comes from the data folder when there is one there.
func runVerify(ctx context.Context, env Env, args []string) int {
	fs := commandFlags("verify", env)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var trust trustFlags
	fs.Var(&trust, "trust", "a PEM file of trusted roots (repeatable); GSIGN_TRUST_STORE adds one too")
	file, rest := splitFile(args)
	cfg, err := loadConfigWith(fs, env, rest)
	if err != nil {
		return fail(env, err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		fmt.Fprintln(env.Stderr, "usage: gsign verify FILE.pdf [--json] [--trust ROOTS.pem]")
		return exitUsage
	}
	roots, err := verifyRoots(ctx, cfg, env, append(trust, cfg.TrustStore))
	if err != nil {
		return fail(env, err)
	}
	rep, err := verifyFile(ctx, file, roots)
	if err != nil {
		return fail(env, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(env, file, rep)
	}
	if !rep.Valid {
		return exitFailed
	}
	return exitOK
}

// splitFile takes a leading non-flag argument as the file, so both
// "gsign verify f.pdf --json" and "gsign verify --json f.pdf" work.
func splitFile(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// verifyRoots adds the platform root when the data folder holds a GSign
// installation; it never creates one.
func verifyRoots(ctx context.Context, cfg config.Config, env Env, files []string) (*x509.CertPool, error) {
	var root *x509.Certificate
	if err := installed(cfg); err == nil {
		p, closePKI, err := openPlatformPKI(ctx, cfg, io.Discard)
		if err != nil {
			return nil, err
		}
		root = p.Root()
		closePKI()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return trustRoots(root, files...)
}

// installed reports (nil) whether cfg names an installation whose platform
// root can be read, without creating one: a PostgreSQL database, or a
// SQLite file that exists.
func installed(cfg config.Config) error {
	if cfg.Postgres() {
		return nil
	}
	_, err := os.Stat(cfg.DatabaseDSN())
	return err
}

func verifyFile(ctx context.Context, path string, roots *x509.CertPool) (*pades.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return pades.Verify(ctx, f, st.Size(), pades.VerifyOptions{Roots: roots})
}

func printReport(env Env, file string, rep *pades.Report) {
	w := env.Stdout
	verdict := "VALID"
	if !rep.Valid {
		verdict = "INVALID"
	}
	fmt.Fprintf(w, "%s: %s (%d signatures, %d revisions)\n", file, verdict, len(rep.Signatures), len(rep.Revisions))
	for i, s := range rep.Signatures {
		fmt.Fprintf(w, "  #%d %s %q by %s: integrity %s, chain %s, timestamp %s, covers whole file %s\n", i+1, s.Type, s.Field, s.SignerName,
			ok(s.IntegrityOK), ok(s.ChainOK), tsText(s.Timestamp), yes(s.CoversWholeFile))
	}
	if ev := rep.Evidence; ev != nil && ev.Present {
		fmt.Fprintf(w, "  evidence: envelope %s, %d audit events, chain %s\n", ev.EnvelopeID, ev.HeadSeq, ok(ev.ChainOK))
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
}

func ok(b bool) string {
	if b {
		return "ok"
	}
	return "FAILED"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func tsText(t pades.TimestampReport) string {
	switch {
	case !t.Present:
		return "none"
	case t.ImprintOK && t.ChainOK:
		return "ok (" + t.Time.UTC().Format("2006-01-02 15:04:05 UTC") + ")"
	default:
		return "FAILED"
	}
}
