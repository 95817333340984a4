package esign_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

func TestRoutingSerialAndParallel(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p,
		recipientSpec{"a@example.com", esign.RoleSigner, 1},
		recipientSpec{"b@example.com", esign.RoleSigner, 1},
		recipientSpec{"c@example.com", esign.RoleSigner, 2},
		recipientSpec{"cc@example.com", esign.RoleCC, 2},
	)
	if len(h.mail.To("c@example.com")) != 0 || len(h.mail.To("cc@example.com")) != 0 {
		t.Fatal("second routing group was notified before the first finished")
	}
	ta, tb := h.openAs("a@example.com"), h.openAs("b@example.com")
	sign := func(tok, who string) {
		t.Helper()
		_, err := h.svc.FillField(ctx, tok, fields[who].ID, typed("Name "+who))
		must(t, err)
		_, err = h.svc.CompleteRecipient(ctx, tok)
		must(t, err)
		h.drain()
	}
	sign(ta, "a@example.com")
	if len(h.mail.To("c@example.com")) != 0 {
		t.Fatal("group 2 notified while b (group 1) has not signed")
	}
	sign(tb, "b@example.com")
	if len(h.mail.To("c@example.com")) != 1 || len(h.mail.To("cc@example.com")) != 1 {
		t.Fatalf("group 2 not notified once each: c=%d cc=%d", len(h.mail.To("c@example.com")), len(h.mail.To("cc@example.com")))
	}
	sign(h.openAs("c@example.com"), "c@example.com")
	got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if got.Envelope.Status != esign.StatusCompleted || got.Envelope.ResultStatus != esign.ResultReady {
		t.Fatalf("envelope %s/%s, want completed/ready", got.Envelope.Status, got.Envelope.ResultStatus)
	}
	for _, who := range []string{"a@example.com", "b@example.com", "c@example.com", "cc@example.com", "sender@example.com"} {
		var completed *esign.Email
		for _, m := range h.mail.To(who) {
			if strings.HasPrefix(m.Subject, "Completed") {
				completed = m
			}
		}
		if completed == nil || len(completed.Attachments) != 1 || !bytes.HasPrefix(completed.Attachments[0].Data, []byte("%PDF")) {
			t.Errorf("%s did not get the completed document attached", who)
		}
	}
	res, err := h.svc.Download(ctx, p, d.Envelope.ID, esign.PartDocument, "")
	must(t, err)
	res.Body.Close()
}

func TestOutOfTurnRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, _ := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"c@example.com", esign.RoleSigner, 2})
	var c *esign.Recipient
	for _, r := range d.Recipients {
		if r.Email == "c@example.com" {
			c = r
		}
	}
	_, err := h.svc.SigningURL(ctx, p, d.Envelope.ID, c.ID, esign.SigningURLOptions{})
	wantCode(t, err, esign.KindConflict, esign.CodeNotYourTurn)
}

func TestNoChangesAfterSend(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	id := d.Envelope.ID
	f := fields["a@example.com"]
	before := countAudit(t, h, p, id, esign.AuditSent)
	_, err := h.svc.AddDocument(ctx, p, id, "x.pdf", bytes.NewReader(esigntest.PDF(1, 612, 792)))
	wantCode(t, err, esign.KindConflict, esign.CodeNotDraft)
	_, err = h.svc.AddRecipient(ctx, p, id, esign.RecipientInput{Name: "Z", Email: "z@example.com"})
	wantCode(t, err, esign.KindConflict, esign.CodeNotDraft)
	_, err = h.svc.AddField(ctx, p, id, esign.FieldInput{DocumentID: f.DocumentID, RecipientID: f.RecipientID, Type: "text", Page: 1, X: 1, Y: 1, Width: 10, Height: 10})
	wantCode(t, err, esign.KindConflict, esign.CodeNotDraft)
	_, err = h.svc.Send(ctx, p, id)
	wantCode(t, err, esign.KindConflict, esign.CodeNotDraft)
	got, _ := h.svc.GetEnvelope(ctx, p, id)
	if len(got.Documents) != 1 || len(got.Recipients) != 1 || len(got.Fields) != 1 || countAudit(t, h, p, id, esign.AuditSent) != before {
		t.Fatal("a refused change changed something")
	}
}

func TestLinksGoneAfterTerminalStates(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		end  func(h *harness, p *esign.Principal, d *esign.EnvelopeDetail)
	}{
		{"voided", func(h *harness, p *esign.Principal, d *esign.EnvelopeDetail) {
			_, err := h.svc.Void(ctx, p, d.Envelope.ID, "wrong tenant")
			must(h.t, err)
		}},
		{"expired", func(h *harness, p *esign.Principal, d *esign.EnvelopeDetail) { h.clock.Advance(48 * time.Hour) }},
		{"declined", func(h *harness, p *esign.Principal, d *esign.EnvelopeDetail) {
			must(h.t, h.svc.Decline(ctx, h.openAs("b@example.com"), "not me"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			p := h.register("sender@example.com")
			d, doc := h.draftWith(p, 1, esign.CreateEnvelopeInput{Name: "Lease", ExpiresAt: ptr(h.clock.Now().Add(24 * time.Hour))})
			for _, who := range []string{"a@example.com", "b@example.com"} {
				r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: who, Email: who, Role: "signer", RoutingOrder: 1})
				must(t, err)
				_, err = h.svc.AddField(ctx, p, d.Envelope.ID, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: "signature", Page: 1, X: 10, Y: 10, Width: 100, Height: 30})
				must(t, err)
			}
			_, err := h.svc.Send(ctx, p, d.Envelope.ID)
			must(t, err)
			h.drain()
			tok, err := h.mail.TokenFor("a@example.com")
			must(t, err)
			tt.end(h, p, d)
			_, err = h.svc.OpenSigning(ctx, tok)
			wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
			got, _ := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
			if got.Envelope.Status != esign.EnvelopeStatus(tt.name) {
				t.Fatalf("status %s, want %s", got.Envelope.Status, tt.name)
			}
			h.drain()
			if len(h.mail.To("sender@example.com")) == 0 && tt.name != "voided" {
				t.Fatal("owner was not told")
			}
		})
	}
}

func TestEmbeddedSigningURL(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	rid := fields["a@example.com"].RecipientID
	mint := func() string {
		u, err := h.svc.SigningURL(ctx, p, d.Envelope.ID, rid, esign.SigningURLOptions{})
		must(t, err)
		return u[strings.LastIndex(u, "/")+1:]
	}
	tok := mint()
	_, err := h.svc.FillField(ctx, tok, fields["a@example.com"].ID, typed("Ana"))
	wantCode(t, err, esign.KindConflict, esign.CodeLinkGone) // must be opened first
	v, err := h.svc.OpenSigning(ctx, tok)
	must(t, err)
	if v.SessionToken == "" {
		t.Fatal("opening an embedded URL returned no session")
	}
	_, err = h.svc.OpenSigning(ctx, tok)
	wantCode(t, err, esign.KindGone, esign.CodeLinkGone) // single use
	stale := mint()
	h.clock.Advance(5*time.Minute + time.Second)
	_, err = h.svc.OpenSigning(ctx, stale)
	wantCode(t, err, esign.KindGone, esign.CodeLinkGone) // lives 5 minutes
	_, err = h.svc.FillField(ctx, v.SessionToken, fields["a@example.com"].ID, typed("Ana"))
	must(t, err)
	_, err = h.svc.CompleteRecipient(ctx, v.SessionToken)
	must(t, err)
}

func TestApproverAndViewer(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, _ := h.sentEnvelope(p, recipientSpec{"viewer@example.com", esign.RoleViewer, 1}, recipientSpec{"approver@example.com", esign.RoleApprover, 2})
	if len(h.mail.To("approver@example.com")) != 0 {
		t.Fatal("approver notified before the viewer viewed")
	}
	h.openAs("viewer@example.com")
	h.drain()
	tok := h.openAs("approver@example.com")
	_, err := h.svc.CompleteRecipient(ctx, tok)
	must(t, err)
	h.drain()
	got, _ := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	if got.Envelope.Status != esign.StatusCompleted {
		t.Fatalf("status %s", got.Envelope.Status)
	}
	if countAudit(t, h, p, d.Envelope.ID, esign.AuditApproved) != 1 {
		t.Fatal("no approved event")
	}
}

func TestSendRefusesIncomplete(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, err := h.svc.CreateEnvelope(ctx, p, esign.CreateEnvelopeInput{Name: "x"})
	must(t, err)
	_, err = h.svc.Send(ctx, p, d.Envelope.ID)
	wantCode(t, err, esign.KindInvalid, esign.CodeIncomplete) // no document
	_, err = h.svc.AddDocument(ctx, p, d.Envelope.ID, "a.pdf", bytes.NewReader(esigntest.PDF(1, 612, 792)))
	must(t, err)
	_, err = h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "A", Email: "a@example.com", Role: "signer"})
	must(t, err)
	_, err = h.svc.Send(ctx, p, d.Envelope.ID)
	wantCode(t, err, esign.KindInvalid, esign.CodeIncomplete) // signer without a signature field
	got, _ := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	if got.Envelope.Status != esign.StatusDraft {
		t.Fatal("refused send changed the status")
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, err := h.svc.CreateEnvelope(ctx, p, esign.CreateEnvelopeInput{Name: "x"})
	must(t, err)
	id := d.Envelope.ID
	doc, err := h.svc.AddDocument(ctx, p, id, "a.pdf", bytes.NewReader(esigntest.PDF(1, 612, 792)))
	must(t, err)
	r, err := h.svc.AddRecipient(ctx, p, id, esign.RecipientInput{Name: "A", Email: "a@example.com"})
	must(t, err)
	pdfBytes := esigntest.PDF(1, 612, 792)
	tests := []struct {
		name string
		call func() error
		kind esign.Kind
		code string
	}{
		{"not a PDF", func() error {
			_, err := h.svc.AddDocument(ctx, p, id, "a.pdf", strings.NewReader("hello, I am text"))
			return err
		}, esign.KindInvalid, ""},
		{"truncated PDF", func() error {
			_, err := h.svc.AddDocument(ctx, p, id, "a.pdf", bytes.NewReader(pdfBytes[:len(pdfBytes)/2]))
			return err
		}, esign.KindInvalid, ""},
		{"empty upload", func() error {
			_, err := h.svc.AddDocument(ctx, p, id, "a.pdf", strings.NewReader(""))
			return err
		}, esign.KindInvalid, esign.CodeInvalidPDF},
		{"oversized upload", func() error {
			h.svc.Config.MaxUploadBytes = 100
			defer func() { h.svc.Config.MaxUploadBytes = 50 << 20 }()
			_, err := h.svc.AddDocument(ctx, p, id, "a.pdf", bytes.NewReader(pdfBytes))
			return err
		}, esign.KindTooLarge, esign.CodeTooLarge},
		{"field outside page", func() error {
			_, err := h.svc.AddField(ctx, p, id, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: "signature", Page: 1, X: 500, Y: 10, Width: 200, Height: 30})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
		{"page beyond document", func() error {
			_, err := h.svc.AddField(ctx, p, id, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: "signature", Page: 2, X: 1, Y: 1, Width: 20, Height: 20})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
		{"unknown document id", func() error {
			_, err := h.svc.AddField(ctx, p, id, esign.FieldInput{DocumentID: "doc_nope", RecipientID: r.ID, Type: "text", Page: 1, X: 1, Y: 1, Width: 20, Height: 20})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
		{"unknown field type", func() error {
			_, err := h.svc.AddField(ctx, p, id, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: "stamp", Page: 1, X: 1, Y: 1, Width: 20, Height: 20})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
		{"unknown envelope", func() error {
			_, err := h.svc.GetEnvelope(ctx, p, "env_nope")
			return err
		}, esign.KindNotFound, esign.CodeNotFound},
		{"bad recipient email", func() error {
			_, err := h.svc.AddRecipient(ctx, p, id, esign.RecipientInput{Name: "A", Email: "not-an-email"})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
		{"unknown role", func() error {
			_, err := h.svc.AddRecipient(ctx, p, id, esign.RecipientInput{Name: "A", Email: "b@example.com", Role: "boss"})
			return err
		}, esign.KindInvalid, esign.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(), tt.kind, tt.code)
		})
	}
	got, _ := h.svc.GetEnvelope(ctx, p, id)
	if len(got.Documents) != 1 || len(got.Recipients) != 1 || len(got.Fields) != 0 {
		t.Fatalf("bad input changed the envelope: %d docs, %d recipients, %d fields", len(got.Documents), len(got.Recipients), len(got.Fields))
	}
	n := 0
	_ = h.blobs.List(ctx, "documents/", func(esign.BlobInfo) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d document blobs stored, want 1: refused uploads must leave nothing", n)
	}
}

func TestOtherOrganizationSeesNotFound(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	other := h.register("intruder@example.org")
	d, _ := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	_, err := h.svc.GetEnvelope(ctx, other, d.Envelope.ID)
	wantCode(t, err, esign.KindNotFound, "")
	_, err = h.svc.Void(ctx, other, d.Envelope.ID, "mine now")
	wantCode(t, err, esign.KindNotFound, "")
	_, err = h.svc.Audit(ctx, other, d.Envelope.ID)
	wantCode(t, err, esign.KindNotFound, "")
	page, err := h.svc.ListEnvelopes(ctx, other, esign.ListInput{})
	must(t, err)
	if len(page.Items) != 0 {
		t.Fatal("another organization's envelope is listed")
	}
}

func TestMailRetryMintsWorkingLink(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	h.mail.FailNext = 2
	h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	for i := 0; i < 3 && len(h.mail.To("a@example.com")) == 0; i++ {
		h.clock.Advance(time.Hour)
		h.drain()
	}
	if len(h.mail.To("a@example.com")) != 1 {
		t.Fatalf("got %d emails after retries, want exactly 1", len(h.mail.To("a@example.com")))
	}
	tok, _ := h.mail.TokenFor("a@example.com")
	_, err := h.svc.OpenSigning(ctx, tok)
	must(t, err)
}

func TestListPagination(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	for i := 0; i < 5; i++ {
		_, err := h.svc.CreateEnvelope(ctx, p, esign.CreateEnvelopeInput{Name: "e"})
		must(t, err)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := h.svc.ListEnvelopes(ctx, p, esign.ListInput{Limit: 2, Cursor: cursor})
		must(t, err)
		for _, e := range page.Items {
			if seen[e.ID] {
				t.Fatal("envelope listed twice")
			}
			seen[e.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d envelopes, want 5", len(seen))
	}
	_, err := h.svc.ListEnvelopes(ctx, p, esign.ListInput{Cursor: "garbage"})
	wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
}

func ptr[T any](v T) *T { return &v }

// TestUndrawableTextRefusedWhenFilled: a value the result could not show is
// refused when it is filled, not discovered when the envelope completes.
func TestUndrawableTextRefusedWhenFilled(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, err := h.svc.CreateEnvelope(ctx, p, esign.CreateEnvelopeInput{Name: "x"})
	must(t, err)
	doc, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "a.pdf", bytes.NewReader(esigntest.PDF(1, 612, 792)))
	must(t, err)
	r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "Łucja Żak", Email: "a@example.com"})
	must(t, err)
	for _, typ := range []string{"signature", "text", "name"} {
		_, err = h.svc.AddField(ctx, p, d.Envelope.ID, esign.FieldInput{DocumentID: doc.ID, RecipientID: r.ID, Type: typ, Page: 1, X: 10, Y: float64(10 + 60*len(typ)), Width: 200, Height: 40})
		must(t, err)
	}
	_, err = h.svc.Send(ctx, p, d.Envelope.ID)
	must(t, err)
	h.drain()
	tok := h.openAs("a@example.com")
	v, err := h.svc.OpenSigning(ctx, tok)
	must(t, err)
	var text *esign.Field
	for _, f := range v.Fields {
		if f.Type == esign.FieldText {
			text = f
		}
	}
	_, err = h.svc.FillField(ctx, tok, text.ID, esign.FieldValueInput{Value: ptr("漢字 😀")})
	wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
	_, err = h.svc.FillField(ctx, tok, text.ID, esign.FieldValueInput{Value: ptr("Łódź, Ελλάδα")})
	must(t, err)
}
