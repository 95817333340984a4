// Package smtptest runs a real SMTP server (emersion/go-smtp) on loopback
// for tests: STARTTLS or implicit TLS with a self-signed certificate, AUTH
// PLAIN, and scripted refusals, recording every message it accepts.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode is how the server encrypts.
type Mode int

// Modes.
const (
	STARTTLS Mode = iota // plain connection that offers STARTTLS (port 587 style)
	Implicit             // TLS from the first byte (port 465 style)
	Plain                // no TLS at all (a local relay)
)

// Options configure a Server.
type Options struct {
	Mode Mode
	// User and Password, when set, are required through AUTH PLAIN.
	User, Password string
	// Refuse, when set, is asked at RCPT TO ("rcpt") and after DATA
	// ("data"); a non-nil answer refuses that step. attempt counts DATA
	// commands so far, from 1; the data of a refused DATA is recorded in
	// Refused.
	Refuse func(stage, rcpt string, attempt int) *smtp.SMTPError
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is a running SMTP server.
type Server struct {
	opts  Options
	srv   *smtp.Server
	addr  string
	roots *x509.CertPool
	cert  []byte // DER

	mu       sync.Mutex
	accepted []Message
	refused  []Message
	datas    int
}

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	cert, roots := selfSigned(t)
	s := &Server{opts: o, roots: roots, cert: cert.Certificate[0]}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.ErrorLog = testLogger{t}
	var ln net.Listener
	var err error
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch o.Mode {
	case Implicit:
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsConf)
	case STARTTLS:
		s.srv.TLSConfig = tlsConf
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	default:
		s.srv.AllowInsecureAuth = true
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// URL is the GSIGN_SMTP_URL that reaches the server: smtps:// for implicit
// TLS, smtp:// with tls=none for a plain server, and the credentials.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	switch s.opts.Mode {
	case Implicit:
		u.Scheme = "smtps"
	case Plain:
		u.RawQuery = "tls=none"
	}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// RootCAs trusts the server's self-signed certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// TLSConfig is a client configuration that trusts the server.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// WriteCA writes the server's certificate as PEM into a file in the test's
// temporary folder and returns its path, for GSIGN_SMTP_CA_FILE.
func (s *Server) WriteCA(t testing.TB) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert}), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// Accepted returns the messages accepted so far.
func (s *Server) Accepted() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.accepted...)
}

// Refused returns the messages whose data was refused after DATA.
func (s *Server) Refused() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.refused...)
}

// NewSession starts a session; it implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s}, nil
}

func (s *Server) refuse(stage, rcpt string, attempt int) error {
	if s.opts.Refuse == nil {
		return nil
	}
	if e := s.opts.Refuse(stage, rcpt, attempt); e != nil {
		return e
	}
	return nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv    *Server
	authed bool
	msg    Message
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.srv.opts.User || pass != ss.srv.opts.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.User != "" && !ss.authed {
		return errAuthRequired
	}
	ss.msg = Message{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.srv.refuse("rcpt", to, 0); err != nil {
		return err
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.msg
	m.Data = bytes.Clone(data)
	s := ss.srv
	s.mu.Lock()
	s.datas++
	attempt := s.datas
	s.mu.Unlock()
	err = s.refuse("data", "", attempt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.refused = append(s.refused, m)
		return err
	}
	s.accepted = append(s.accepted, m)
	return nil
}

func (ss *session) Reset()        { ss.msg = Message{} }
func (ss *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// testLogger sends the server's log to the test's.
type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("smtp server: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"smtp server:"}, v...)...) }
