package esign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// docs streams PDFs as a transport would, named doc0.pdf, doc1.pdf, ...
func docs(pdfs ...[]byte) iter.Seq2[esign.DocumentUpload, error] {
	return func(yield func(esign.DocumentUpload, error) bool) {
		for i, b := range pdfs {
			if !yield(esign.DocumentUpload{Name: "doc" + string(rune('0'+i)) + ".pdf", Body: bytes.NewReader(b)}, nil) {
				return
			}
		}
	}
}

// leaseInput is a two-page lease for a signer (Ana), an approver (Bob, after
// her) and a cc (Cy), ready to send.
func leaseInput(send bool) esign.ComposeInput {
	sig := esign.ComposeField{FieldInput: esign.FieldInput{Type: "signature", Page: 2, X: 72, Y: 600, Width: 200, Height: 50}}
	text := esign.ComposeField{FieldInput: esign.FieldInput{Type: "text", Page: 1, X: 72, Y: 100, Width: 200, Height: 20, Required: ptr(false)}}
	return esign.ComposeInput{
		CreateEnvelopeInput: esign.CreateEnvelopeInput{Name: "Lease", Message: "Please sign"},
		Recipients: []esign.ComposeRecipient{
			{RecipientInput: esign.RecipientInput{Name: "Ana", Email: "ana@example.com", Role: "signer", RoutingOrder: 1}, Fields: []esign.ComposeField{sig}},
			{RecipientInput: esign.RecipientInput{Name: "Bob", Email: "bob@example.com", Role: "approver", RoutingOrder: 2}, Fields: []esign.ComposeField{text}},
			{RecipientInput: esign.RecipientInput{Name: "Cy", Email: "cy@example.com", Role: "cc", RoutingOrder: 2}},
		},
		Send: send,
	}
}

// composeLease composes leaseInput on a two-page PDF.
func (h *harness) composeLease(p *esign.Principal, send bool) *esign.EnvelopeDetail {
	h.t.Helper()
	d, err := h.svc.Compose(context.Background(), p, leaseInput(send), docs(esigntest.PDF(2, 612, 792)))
	must(h.t, err)
	return d.EnvelopeDetail
}

// The composed envelope is sent at once, and then signed, approved and
// sealed like any other.
func TestComposeAndSendCompletes(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("olive@example.com")
	d := h.composeLease(p, true)
	if d.Envelope.Status != esign.StatusSent || len(d.Documents) != 1 || len(d.Recipients) != 3 || len(d.Fields) != 2 {
		t.Fatalf("composed: status %s, %d documents, %d recipients, %d fields", d.Envelope.Status, len(d.Documents), len(d.Recipients), len(d.Fields))
	}
	got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if got.Envelope.AuditHead != d.Envelope.AuditHead || got.Recipients[0].Status != esign.RecipientSent || got.Recipients[1].Status != esign.RecipientCreated {
		t.Fatalf("stored envelope differs from the answer: head %s vs %s, statuses %s %s", got.Envelope.AuditHead, d.Envelope.AuditHead, got.Recipients[0].Status, got.Recipients[1].Status)
	}
	h.drain()
	h.signAndFinish("ana@example.com", d.Fields[0])
	h.drain()
	tok := h.openAs("bob@example.com")
	_, err = h.svc.CompleteRecipient(ctx, tok)
	must(t, err)
	h.drain()
	done, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if done.Envelope.Status != esign.StatusCompleted || done.Envelope.ResultStatus != esign.ResultReady {
		t.Fatalf("after signing: status %s, result %s", done.Envelope.Status, done.Envelope.ResultStatus)
	}
	rep, err := h.svc.Audit(ctx, p, d.Envelope.ID)
	must(t, err)
	if !rep.Verified {
		t.Fatalf("audit chain does not verify: %+v", rep.Problem)
	}
}

// Composing writes the audit trail the one-by-one calls write, event for
// event, in one chain.
func TestComposeAuditMatchesStepByStep(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("olive@example.com")
	in, composed := leaseInput(true), h.composeLease(p, true)

	d, _ := h.draft(p, 2)
	for _, cr := range in.Recipients {
		r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, cr.RecipientInput)
		must(t, err)
		for _, cf := range cr.Fields {
			fi := cf.FieldInput
			fi.DocumentID, fi.RecipientID = h.documentOf(p, d.Envelope.ID), r.ID
			_, err := h.svc.AddField(ctx, p, d.Envelope.ID, fi)
			must(t, err)
		}
	}
	_, err := h.svc.Send(ctx, p, d.Envelope.ID)
	must(t, err)

	want, got := h.auditShape(p, d.Envelope.ID), h.auditShape(p, composed.Envelope.ID)
	// The step-by-step envelope named its document lease.pdf.
	want = strings.ReplaceAll(want, "lease.pdf", "doc0.pdf")
	if got != want {
		t.Errorf("composed audit trail differs from the step-by-step one\n--- composed\n%s\n--- step by step\n%s", got, want)
	}
}

func (h *harness) documentOf(p *esign.Principal, envelopeID string) string {
	d, err := h.svc.GetEnvelope(context.Background(), p, envelopeID)
	must(h.t, err)
	return d.Documents[0].ID
}

var anyID = regexp.MustCompile(`\b(env|doc|rcp|fld)_[0-9a-z]{26}\b`)

// auditShape is an envelope's audit trail with ids numbered in order of
// appearance, one event a line.
func (h *harness) auditShape(p *esign.Principal, envelopeID string) string {
	rep, err := h.svc.Audit(context.Background(), p, envelopeID)
	must(h.t, err)
	if !rep.Verified {
		h.t.Fatalf("audit chain of %s does not verify", envelopeID)
	}
	var b strings.Builder
	for _, ev := range rep.Events {
		keys := make([]string, 0, len(ev.Data))
		for k := range ev.Data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString(ev.Type + " by " + string(ev.Actor.Type) + " " + ev.Actor.Email + ":")
		for _, k := range keys {
			b.WriteString(" " + k + "=" + ev.Data[k])
		}
		b.WriteString("\n")
	}
	seen := map[string]string{}
	return anyID.ReplaceAllStringFunc(b.String(), func(id string) string {
		if _, ok := seen[id]; !ok {
			seen[id] = id[:3] + "#" + string(rune('a'+len(seen)))
		}
		return seen[id]
	})
}

// Without Send the composed envelope stays a draft that Send sends later.
func TestComposeDraft(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("olive@example.com")
	d := h.composeLease(p, false)
	if d.Envelope.Status != esign.StatusDraft || d.Recipients[0].Status != esign.RecipientCreated {
		t.Fatalf("status %s, recipient %s", d.Envelope.Status, d.Recipients[0].Status)
	}
	h.drain()
	if n := len(h.mail.To("ana@example.com")); n != 0 {
		t.Fatalf("a draft mailed its signer %d times", n)
	}
	_, err := h.svc.Send(ctx, p, d.Envelope.ID)
	must(t, err)
	h.drain()
	if n := len(h.mail.To("ana@example.com")); n != 1 {
		t.Fatalf("after send: %d emails to the signer", n)
	}
}

// A role that may not send cannot compose a sent envelope; the check
// comes before any document is read.
func TestComposePermissions(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	owner := h.register("olive@example.com")
	viewer := h.join(owner, "vic@example.com", esign.RoleOrgViewer)
	read := false
	stream := func(yield func(esign.DocumentUpload, error) bool) { read = true }
	for _, send := range []bool{false, true} {
		_, err := h.svc.Compose(ctx, viewer, leaseInput(send), stream)
		wantCode(t, err, esign.KindForbidden, esign.CodeForbiddenRole)
	}
	if read {
		t.Error("a refused compose read its documents")
	}
}

// Every bad input is refused with the code of the one-by-one calls, names
// the element it is about, and leaves no envelope and no blob behind.
func TestComposeRefusals(t *testing.T) {
	pdf := esigntest.PDF(2, 612, 792)
	errStream := errors.New("the client went away")
	tests := []struct {
		name  string
		edit  func(in *esign.ComposeInput)
		docs  iter.Seq2[esign.DocumentUpload, error]
		kind  esign.Kind
		code  string
		field string
	}{
		{"no name", func(in *esign.ComposeInput) { in.Name = " " }, nil, esign.KindInvalid, esign.CodeValidation, "name"},
		{"bad role", func(in *esign.ComposeInput) { in.Recipients[1].Role = "boss" }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[1].role"},
		{"bad email", func(in *esign.ComposeInput) { in.Recipients[2].Email = "cy" }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[2].email"},
		{"unknown auth", func(in *esign.ComposeInput) { in.Recipients[0].Auth = "retina" }, nil, esign.KindInvalid, esign.CodeUnsupportedAuth, "recipients[0].auth"},
		{"access code missing", func(in *esign.ComposeInput) { in.Recipients[0].Auth = esign.AuthAccessCode }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[0].access_code"},
		{"bad field type", func(in *esign.ComposeInput) { in.Recipients[0].Fields[0].Type = "stamp" }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[0].fields[0].type"},
		{"negative document", func(in *esign.ComposeInput) { in.Recipients[0].Fields[0].Document = -1 }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[0].fields[0].document"},
		{"approver signature", func(in *esign.ComposeInput) { in.Recipients[1].Fields[0].Type = "signature" }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[1].fields[0].type"},
		{"cc with a field", func(in *esign.ComposeInput) {
			in.Recipients[2].Fields = in.Recipients[1].Fields
		}, nil, esign.KindInvalid, esign.CodeValidation, "recipients[2].fields[0]"},
		{"too many recipients", func(in *esign.ComposeInput) {
			in.Recipients = slices.Repeat(in.Recipients[2:], esign.MaxRecipientsPerEnvelope+1)
		}, nil, esign.KindInvalid, esign.CodeValidation, "recipients"},
		{"too many fields", func(in *esign.ComposeInput) {
			in.Recipients[1].Fields = slices.Repeat(in.Recipients[1].Fields, esign.MaxFieldsPerEnvelope)
		}, nil, esign.KindInvalid, esign.CodeValidation, "recipients[1].fields"},
		{"field past the last page", func(in *esign.ComposeInput) { in.Recipients[0].Fields[0].Page = 3 }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[0].fields[0].page"},
		{"field off the page", func(in *esign.ComposeInput) { in.Recipients[0].Fields[0].X = 500 }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[0].fields[0].x"},
		{"unknown document", func(in *esign.ComposeInput) { in.Recipients[1].Fields[0].Document = 2 }, nil, esign.KindInvalid, esign.CodeValidation, "recipients[1].fields[0].document"},
		{"not a PDF", nil, docs(pdf, []byte("hello")), esign.KindInvalid, esign.CodeInvalidPDF, "documents[1]"},
		{"empty document", nil, docs(pdf, nil), esign.KindInvalid, esign.CodeInvalidPDF, "documents[1]"},
		{"too many documents", nil, docs(slices.Repeat([][]byte{pdf}, esign.MaxDocumentsPerEnvelope+1)...), esign.KindInvalid, esign.CodeValidation, "documents"},
		{"signer without a signature field", func(in *esign.ComposeInput) {
			in.Recipients[0].Fields[0].Type = "text"
		}, nil, esign.KindInvalid, esign.CodeIncomplete, "recipients[0]"},
		{"no document to send", func(in *esign.ComposeInput) {
			in.Recipients = in.Recipients[2:]
		}, docs(), esign.KindInvalid, esign.CodeIncomplete, ""},
		{"cc alone", func(in *esign.ComposeInput) { in.Recipients = in.Recipients[2:] }, nil, esign.KindInvalid, esign.CodeIncomplete, ""},
		{"signing URLs of a draft", func(in *esign.ComposeInput) {
			in.Send, in.SigningURLs = false, true
		}, nil, esign.KindInvalid, esign.CodeValidation, "signing_urls"},
		{"expiry in the past", func(in *esign.ComposeInput) {
			in.ExpiresAt = ptr(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		}, nil, esign.KindInvalid, esign.CodeValidation, "expires_at"},
		{"transport fails midway", nil, func(yield func(esign.DocumentUpload, error) bool) {
			if yield(esign.DocumentUpload{Name: "a.pdf", Body: bytes.NewReader(pdf)}, nil) {
				yield(esign.DocumentUpload{}, errStream)
			}
		}, esign.KindInternal, esign.CodeInternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			h := newHarness(t)
			p := h.register("olive@example.com")
			in := leaseInput(true)
			if tt.edit != nil {
				tt.edit(&in)
			}
			stream := tt.docs
			if stream == nil {
				stream = docs(pdf, pdf)
			}
			_, err := h.svc.Compose(ctx, p, in, stream)
			wantCode(t, err, tt.kind, tt.code)
			var e *esign.Error
			if tt.field != "" && (!errors.As(err, &e) || e.Fields[tt.field] == "" || !strings.HasPrefix(e.Message, tt.field)) {
				t.Errorf("the error does not name %s: %v (%v)", tt.field, err, e)
			}
			h.noTrace(p)
		})
	}
}

// The documents of one request share the limit of one upload.
func TestComposeDocumentsShareTheUploadLimit(t *testing.T) {
	pdf := esigntest.PDF(2, 612, 792)
	h := newHarness(t)
	h.svc.Config.MaxUploadBytes = int64(len(pdf))*2 + int64(len(pdf))/2
	p := h.register("olive@example.com")
	_, err := h.svc.Compose(context.Background(), p, leaseInput(false), docs(pdf, pdf, pdf))
	wantCode(t, err, esign.KindTooLarge, esign.CodeTooLarge)
	if e := (*esign.Error)(nil); !errors.As(err, &e) || e.Fields["documents[2]"] == "" {
		t.Errorf("the error does not name documents[2]: %v", err)
	}
	h.noTrace(p)
	_, err = h.svc.Compose(context.Background(), p, leaseInput(false), docs(pdf, pdf))
	must(t, err)
}

// noTrace checks that nothing was left of a failed compose: no envelope,
// no blob.
func (h *harness) noTrace(p *esign.Principal) {
	h.t.Helper()
	page, err := h.svc.ListEnvelopes(context.Background(), p, esign.ListInput{})
	must(h.t, err)
	if len(page.Items) != 0 {
		h.t.Errorf("%d envelopes left behind", len(page.Items))
	}
	var keys []string
	must(h.t, h.blobs.List(context.Background(), "", func(b esign.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	}))
	if len(keys) != 0 {
		h.t.Errorf("blobs left behind: %v", keys)
	}
}

// TestComposeSigningURLs: asked for, the request that sends the envelope
// also mints the signing URLs of the embedded recipients whose turn it is,
// exactly as SigningURL would: single use, audited, each opening its
// recipient's session.
func TestComposeSigningURLs(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("olive@example.com")
	in := leaseInput(true)
	in.SigningURLs = true
	for i := range in.Recipients {
		in.Recipients[i].Embedded = true // Ana signs now; Bob approves after her; Cy is a cc
	}
	in.Recipients = append(in.Recipients, esign.ComposeRecipient{ // by email, not embedded
		RecipientInput: esign.RecipientInput{Name: "Dee", Email: "dee@example.com", Role: "signer", RoutingOrder: 1},
		Fields:         in.Recipients[0].Fields})
	d, err := h.svc.Compose(ctx, p, in, docs(esigntest.PDF(2, 612, 792)))
	must(t, err)
	byEmail := map[string]*esign.Recipient{}
	for _, r := range d.Recipients {
		byEmail[r.Email] = r
	}
	if len(d.SigningURLs) != 1 || d.SigningURLs[0].RecipientID != byEmail["ana@example.com"].ID {
		t.Fatalf("signing URLs %+v, want one, for Ana", d.SigningURLs)
	}
	u := d.SigningURLs[0]
	if want := h.clock.Now().Add(h.svc.Config.EmbeddedTTL); !u.ExpiresAt.Equal(want) {
		t.Errorf("expires at %s, want %s", u.ExpiresAt, want)
	}
	if n := countAudit(t, h, p, d.Envelope.ID, esign.AuditSigningURLCreated); n != 1 {
		t.Errorf("%d signing URLs audited, want 1", n)
	}
	got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if got.Envelope.AuditSeq != d.Envelope.AuditSeq || got.Envelope.AuditHead != d.Envelope.AuditHead {
		t.Errorf("the answer's envelope is at audit event %d, the stored one at %d", d.Envelope.AuditSeq, got.Envelope.AuditSeq)
	}
	token, ok := strings.CutPrefix(u.URL, h.svc.Config.PublicURL+"/s/")
	if !ok {
		t.Fatalf("URL %q is not under %s/s/", u.URL, h.svc.Config.PublicURL)
	}
	v, err := h.svc.OpenSigning(ctx, token)
	must(t, err)
	if v.Recipient.Email != "ana@example.com" || v.SessionToken == "" {
		t.Fatalf("opened as %s with session %q, want Ana with a session", v.Recipient.Email, v.SessionToken)
	}
	_, err = h.svc.OpenSigning(ctx, token)
	wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
}

// TestComposeAnswersAsStored: the envelope Compose answers with, built from
// what it wrote rather than read back, is the one GetEnvelope reads, in
// the same order (recipients by routing order, given here out of order),
// drafted or sent.
func TestComposeAnswersAsStored(t *testing.T) {
	for _, send := range []bool{false, true} {
		h := newHarness(t)
		p := h.register("olive@example.com")
		in := leaseInput(send)
		in.Recipients[0], in.Recipients[2] = in.Recipients[2], in.Recipients[0] // Cy (2), Bob (2), Ana (1)
		in.Recipients[0].Phone, in.Recipients[1].Auth, in.Recipients[1].AccessCode = "+15555550123", "access_code", "open sesame"
		d, err := h.svc.Compose(context.Background(), p, in, docs(esigntest.PDF(2, 612, 792), esigntest.PDF(1, 612, 792)))
		must(t, err)
		got, err := h.svc.GetEnvelope(context.Background(), p, d.Envelope.ID)
		must(t, err)
		if !reflect.DeepEqual(d.EnvelopeDetail, got) {
			t.Errorf("send %v: Compose answered\n%s\nGetEnvelope reads\n%s", send, detailString(d.EnvelopeDetail), detailString(got))
		}
	}
}

// detailString shows every part of d, for a failed comparison.
func detailString(d *esign.EnvelopeDetail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v\n", *d.Envelope)
	for _, doc := range d.Documents {
		fmt.Fprintf(&b, "%+v\n", *doc)
	}
	for _, r := range d.Recipients {
		fmt.Fprintf(&b, "%+v\n", *r)
	}
	for _, f := range d.Fields {
		fmt.Fprintf(&b, "%+v\n", *f)
	}
	return b.String()
}
