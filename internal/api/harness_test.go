package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/password"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/certificate"
	"github.com/gsign/gsign/internal/pdf/pades"
	"github.com/gsign/gsign/internal/pki/pkitest"
	"github.com/gsign/gsign/internal/sqldb"
	"github.com/gsign/gsign/internal/teststack"
	"github.com/gsign/gsign/internal/totp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// env is the API over a real Service: SQLite, real PDF handling, in-memory
// blobs, a recording mailer and a fixed clock.
type env struct {
	t      *testing.T
	a      *api
	h      http.Handler
	svc    *esign.Service
	db     *sqldb.DB
	clock  *esigntest.Clock
	mail   *esigntest.Mailer
	runner *jobs.Runner
	logs   *syncBuffer
	// changes is the hub the Service's store publishes to, as in serve.
	changes *esign.EnvelopeChanges
}

type syncBuffer = esigntest.LogBuffer

func newEnv(t *testing.T, configure ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	clock := esigntest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db, err := sqldb.Open(ctx, teststack.DatabaseDSN(t), sqldb.Options{AutoMigrate: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, clock: clock, mail: &esigntest.Mailer{}, logs: &syncBuffer{}, changes: esign.NewEnvelopeChanges()}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	signer, chain := pkitest.Shared(t).Seal()
	e.svc = &esign.Service{
		Store: esign.NotifyChanges(db, e.changes), Blobs: blob.NewMemory(), Clock: clock, Log: log, Config: esign.DefaultConfig(),
		Inspector: &pdf.Inspector{}, Stamper: &pdf.Stamper{}, Renderer: &pdf.SignatureRenderer{},
		Sealer: &pades.Sealer{Signer: signer, Chain: chain, TSA: pkitest.Shared(t).Timestamper()}, Merger: &pdf.Merger{}, Certificates: &certificate.Renderer{},
		Passwords: &password.Argon2id{Params: password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		Mailer:    e.mail,
		SMS:       &esigntest.SMS{},
		TOTP:      totp.Authenticator{},
	}
	e.svc.Config.PublicURL = "https://sign.example.com"
	cfg := Config{TempDir: t.TempDir(), Changes: e.changes}
	for _, c := range configure {
		c(&cfg)
	}
	if cfg.MaxUploadBytes > 0 {
		e.svc.Config.MaxUploadBytes = cfg.MaxUploadBytes
	}
	jc := jobs.DefaultConfig("test")
	jc.BaseBackoff = time.Millisecond
	e.runner = jobs.New(db, e.svc.HandleJob, clock, log, jc)
	e.a = newAPI(cfg, e.svc, db, log)
	e.h = e.a.handler()
	return e
}

// req is one request to make.
type req struct {
	method, path string
	body         any // nil, string (raw JSON), []byte, io.Reader, *upload, or a value to encode
	token        string
	header       map[string]string
}

type upload struct {
	data  []byte
	ctype string
}

// pdfUpload is a multipart body with the PDF in the field "file".
func pdfUpload(field, name string, content []byte) *upload {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(content)
	w.Close()
	return &upload{data: b.Bytes(), ctype: w.FormDataContentType()}
}

func (e *env) newRequest(q req) *http.Request {
	var rd io.Reader
	ctype := ""
	switch b := q.body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case *upload:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	r := httptest.NewRequest(q.method, q.path, rd)
	r.RemoteAddr = "192.0.2.10:40000"
	r.Header.Set("User-Agent", "gsign-test")
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	return r
}

func (e *env) do(q req) *httptest.ResponseRecorder {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, e.newRequest(q))
	return w
}

// expect checks the status and, for errors, the problem code.
func (e *env) expect(w *httptest.ResponseRecorder, status int, code string) *httptest.ResponseRecorder {
	e.t.Helper()
	if w.Code != status {
		e.t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if code != "" {
		if ct := w.Header().Get("Content-Type"); ct != problemContentType {
			e.t.Fatalf("content type %q, want %s", ct, problemContentType)
		}
		var p problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != code {
			e.t.Fatalf("problem code %q, want %q: %s", p.Code, code, w.Body)
		}
	}
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not the expected JSON: %v\n%s", err, w.Body)
	}
	return v
}

// register makes a sender and returns its access token.
func (e *env) register(email string) string {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/auth/register", body: map[string]string{
		"email": email, "password": "correct horse battery", "name": "Olive Owner", "organization": "Acme"}}), 201, "")
	return decode[registerResponse](e.t, w).AccessToken
}

// draft creates an envelope with one two-page document and returns their ids.
func (e *env) draft(token string) (envelopeID, documentID string) {
	e.t.Helper()
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]string{"name": "Lease", "message": "Please sign"}}), 201, "")
	envelopeID = decode[envelopeResponse](e.t, w).ID
	w = e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes/" + envelopeID + "/documents", token: token,
		body: pdfUpload("file", "lease.pdf", testPDF)}), 201, "")
	return envelopeID, decode[documentResponse](e.t, w).ID
}

// signerDraft adds to a new draft one signer, Ana, with a signature field
// on page 1.
func (e *env) signerDraft(token string) (envelopeID, documentID string, rcp recipientResponse, sig fieldResponse) {
	e.t.Helper()
	envelopeID, documentID = e.draft(token)
	base := "/api/v1/envelopes/" + envelopeID
	rcp = decode[recipientResponse](e.t, e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{"name": "Ana", "email": "ana@example.com"}}))
	sig = decode[fieldResponse](e.t, e.do(req{method: "POST", path: base + "/fields", token: token, body: map[string]any{
		"document_id": documentID, "recipient_id": rcp.ID, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}}))
	return envelopeID, documentID, rcp, sig
}

// drain runs the outbox, so that emails (with signing links) go out.
func (e *env) drain() {
	e.t.Helper()
	if _, err := e.runner.RunPending(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// golden compares a response with testdata/name.golden after normalizing
// what changes from run to run. -update rewrites the file.
func golden(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	got := normalize(t, w)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var (
	idPattern     = regexp.MustCompile(`\b(org|usr|key|env|doc|rcp|fld|sig|fam|whe|msg|wha|ntf|team|inv|oau)_[0-9a-z]{26}\b`)
	secretPattern = regexp.MustCompile(`\b(gsa|gsr|gsk|gst|gsi)_[A-Za-z0-9_-]{43}|\bwhsec_[A-Za-z0-9+/]{43}=`)
	hashPattern   = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
)

// normalize renders a response as status, content type and indented JSON,
// with ids, secrets and hashes replaced by numbered placeholders, so equal
// values stay equal. Times need no normalizing: the clock is fixed.
func normalize(t *testing.T, w *httptest.ResponseRecorder) []byte {
	t.Helper()
	var body bytes.Buffer
	if err := json.Indent(&body, w.Body.Bytes(), "", "  "); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, w.Body)
	}
	s := "HTTP " + strconv.Itoa(w.Code) + "\nContent-Type: " + w.Header().Get("Content-Type") + "\n\n" + body.String() + "\n"
	for _, p := range []*regexp.Regexp{idPattern, secretPattern, hashPattern} {
		seen := map[string]string{}
		s = p.ReplaceAllStringFunc(s, func(m string) string {
			if m == esign.GenesisHash {
				return m
			}
			if r, ok := seen[m]; ok {
				return r
			}
			prefix, _, ok := strings.Cut(m, "_")
			if !ok || p == hashPattern {
				prefix = "sha256"
			}
			seen[m] = "<" + prefix + "#" + strconv.Itoa(len(seen)+1) + ">"
			return seen[m]
		})
	}
	return []byte(s)
}

// testPDF is a valid two-page US Letter PDF.
var testPDF = esigntest.PDF(2, 612, 792)

// signaturePNG is a drawn signature, base64-encoded as the signing page sends it.
func signaturePNG(t *testing.T) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 80))
	for x := 20; x < 280; x++ {
		img.Set(x, 40+(x%20)-10, color.NRGBA{0, 0, 128, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}
