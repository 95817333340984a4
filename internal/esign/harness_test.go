package esign_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync/atomic"
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
)

// harness is a Service on real SQLite, real PDF handling, an in-memory blob
// store and a recording mailer, with a runner to drain the outbox.
type harness struct {
	t      testing.TB
	svc    *esign.Service
	db     *sqldb.DB
	blobs  *blob.Memory
	mail   *esigntest.Mailer
	clock  *esigntest.Clock
	runner *jobs.Runner
	// trace, when set, is told of every statement the store runs
	// (sqldb.Options.Trace), from whatever goroutine runs it.
	trace atomic.Pointer[func(query string)]
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx := context.Background()
	clock := esigntest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	h := &harness{t: t, blobs: blob.NewMemory(), mail: &esigntest.Mailer{}, clock: clock}
	trace := func(q string) {
		if f := h.trace.Load(); f != nil {
			(*f)(q)
		}
	}
	db, err := sqldb.Open(ctx, teststack.DatabaseDSN(t), sqldb.Options{AutoMigrate: true, Clock: clock, Trace: trace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.svc = &esign.Service{
		// The store as a server has it: publishing the changes that waits
		// watch (statement counts, hints and retries go through it).
		Store: esign.NotifyChanges(db, esign.NewEnvelopeChanges()), Blobs: h.blobs, Clock: clock, Log: log, Config: esign.DefaultConfig(),
		Inspector: &pdf.Inspector{}, Stamper: &pdf.Stamper{}, Renderer: &pdf.SignatureRenderer{},
		Sealer: testSealer(t), Merger: &pdf.Merger{}, Certificates: &certificate.Renderer{},
		Passwords: &password.Argon2id{Params: password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		Mailer:    h.mail,
	}
	cfg := jobs.DefaultConfig("test")
	cfg.BaseBackoff = time.Millisecond
	h.runner = jobs.New(db, h.svc.HandleJob, clock, log, cfg)
	return h
}

// testSealer seals with a real platform PKI and its built-in timestamp
// authority.
func testSealer(t testing.TB) *pades.Sealer {
	signer, chain := pkitest.Shared(t).Seal()
	return &pades.Sealer{Signer: signer, Chain: chain, TSA: pkitest.Shared(t).Timestamper()}
}

// drain runs every due job.
func (h *harness) drain() {
	h.t.Helper()
	if _, err := h.runner.RunPending(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) register(email string) *esign.Principal {
	h.t.Helper()
	reg, err := h.svc.Register(context.Background(), esign.RegisterInput{Email: email, Password: "correct horse battery", Name: "Sender", Organization: "Acme " + email})
	if err != nil {
		h.t.Fatal(err)
	}
	p, err := h.svc.Authenticate(context.Background(), reg.Tokens.AccessToken)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

type recipientSpec struct {
	email string
	role  esign.RecipientRole
	order int
}

// draft creates a draft envelope with one document of the given pages.
func (h *harness) draft(p *esign.Principal, pages int) (*esign.EnvelopeDetail, *esign.Document) {
	h.t.Helper()
	return h.draftWith(p, pages, esign.CreateEnvelopeInput{Name: "Lease"})
}

// draftWith is draft with the envelope's settings in in.
func (h *harness) draftWith(p *esign.Principal, pages int, in esign.CreateEnvelopeInput) (*esign.EnvelopeDetail, *esign.Document) {
	h.t.Helper()
	ctx := context.Background()
	d, err := h.svc.CreateEnvelope(ctx, p, in)
	must(h.t, err)
	doc, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "lease.pdf", bytes.NewReader(esigntest.PDF(pages, 612, 792)))
	must(h.t, err)
	return d, doc
}

// signatureField places a signature field for recipient rid on page 1.
func (h *harness) signatureField(p *esign.Principal, envelopeID, docID, rid string) *esign.Field {
	h.t.Helper()
	f, err := h.svc.AddField(context.Background(), p, envelopeID, esign.FieldInput{DocumentID: docID, RecipientID: rid, Type: "signature", Page: 1, X: 72, Y: 600, Width: 200, Height: 50})
	must(h.t, err)
	return f
}

// sentEnvelope builds and sends an envelope: one two-page document, the
// recipients, and for each signer a signature field.
func (h *harness) sentEnvelope(p *esign.Principal, rs ...recipientSpec) (*esign.EnvelopeDetail, map[string]*esign.Field) {
	h.t.Helper()
	ctx := context.Background()
	d, doc := h.draft(p, 2)
	sigFields := map[string]*esign.Field{}
	for _, spec := range rs {
		r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "R " + spec.email, Email: spec.email, Role: string(spec.role), RoutingOrder: spec.order})
		must(h.t, err)
		if spec.role == esign.RoleSigner {
			sigFields[spec.email] = h.signatureField(p, d.Envelope.ID, doc.ID, r.ID)
		}
	}
	d, err := h.svc.Send(ctx, p, d.Envelope.ID)
	must(h.t, err)
	h.drain()
	return d, sigFields
}

// openAs opens the envelope through the newest link emailed to addr.
func (h *harness) openAs(addr string) string {
	h.t.Helper()
	tok, err := h.mail.TokenFor(addr)
	must(h.t, err)
	_, err = h.svc.OpenSigning(context.Background(), tok)
	must(h.t, err)
	return tok
}

// signAndFinish has addr open its newest link, sign f and finish; it
// returns the link's token.
func (h *harness) signAndFinish(addr string, f *esign.Field) string {
	h.t.Helper()
	tok := h.openAs(addr)
	h.signTyped(tok, f.ID, "R")
	return tok
}

// signTyped fills the field with a typed signature and completes the
// recipient whose session token is tok.
func (h *harness) signTyped(tok, fieldID, name string) {
	h.t.Helper()
	_, err := h.svc.FillField(context.Background(), tok, fieldID, typed(name))
	must(h.t, err)
	_, err = h.svc.CompleteRecipient(context.Background(), tok)
	must(h.t, err)
}

func typed(name string) esign.FieldValueInput {
	return esign.FieldValueInput{Signature: &esign.SignatureInput{Kind: "typed", Text: name}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, kind esign.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s/%s, got success", kind, code)
	}
	if esign.ErrorKind(err) != kind || (code != "" && esign.ErrorCode(err) != code) {
		t.Fatalf("want %s/%s, got %s/%s: %v", kind, code, esign.ErrorKind(err), esign.ErrorCode(err), err)
	}
}
