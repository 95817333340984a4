package esign_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// statementsOf runs op and returns the transactions and statements it cost,
// logging the statements' texts.
func (h *harness) statementsOf(name string, op func()) (txs, stmts int64) {
	h.t.Helper()
	var texts []string
	h.trace = func(q string) { texts = append(texts, strings.Join(strings.Fields(q), " ")) }
	before := h.db.Stats()
	op()
	after := h.db.Stats()
	h.trace = nil
	h.t.Logf("%s: %d transactions, %d statements:\n\t%s", name, after.Transactions-before.Transactions,
		after.Statements-before.Statements, strings.Join(texts, "\n\t"))
	return after.Transactions - before.Transactions, after.Statements - before.Statements
}

// compactInput is bench/load's compact embedded flow: a one-page PDF and
// three embedded signers, each with a signature field, sent at once with
// signing URLs.
func compactInput() esign.ComposeInput {
	in := esign.ComposeInput{CreateEnvelopeInput: esign.CreateEnvelopeInput{Name: "Bench"}, Send: true, SigningURLs: true}
	for i, who := range []string{"alice", "bob", "carol"} {
		in.Recipients = append(in.Recipients, esign.ComposeRecipient{
			RecipientInput: esign.RecipientInput{Name: who, Email: who + "@example.com", Role: "signer", RoutingOrder: 1, Embedded: true},
			Fields: []esign.ComposeField{{FieldInput: esign.FieldInput{Type: "signature", Page: 1, X: 72, Y: 100 + 100*float64(i), Width: 200, Height: 50}}},
		})
	}
	return in
}

func TestStatementsPerOperation(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	pdf := esigntest.PDF(1, 612, 792)
	var d *esign.Composed
	h.statementsOf("authenticate", func() {
		_, err := h.svc.Authenticate(ctx, "x")
		_ = err
	})
	h.statementsOf("compose", func() {
		var err error
		d, err = h.svc.Compose(ctx, p, compactInput(), docs(pdf))
		must(t, err)
	})
	for i, u := range d.SigningURLs {
		token := u.URL[strings.LastIndex(u.URL, "/")+1:]
		var v *esign.SigningView
		h.statementsOf("open", func() {
			var err error
			v, err = h.svc.OpenSigning(ctx, token)
			must(t, err)
		})
		h.statementsOf("complete", func() {
			_, err := h.svc.CompleteWithFields(ctx, v.SessionToken, esign.FieldFills{v.Fields[0].ID: typed("Signer " + string(rune('A'+i)))})
			must(t, err)
		})
	}
	h.statementsOf("get", func() {
		_, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
		must(t, err)
	})
}
