package esign_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/teststack"
)

// statementsOf runs op and returns the transactions and statements it cost,
// logging the statements' texts.
func (h *harness) statementsOf(name string, op func()) (txs, stmts, trips int64) {
	h.t.Helper()
	var mu sync.Mutex
	var texts []string
	trace := func(q string) {
		mu.Lock()
		defer mu.Unlock()
		texts = append(texts, strings.Join(strings.Fields(q), " "))
	}
	h.trace.Store(&trace)
	before := h.db.Stats()
	op()
	after := h.db.Stats()
	h.trace.Store(nil)
	mu.Lock()
	defer mu.Unlock()
	h.t.Logf("%s: %d transactions, %d statements, %d round trips:\n\t%s", name, after.Transactions-before.Transactions,
		after.Statements-before.Statements, after.RoundTrips-before.RoundTrips, strings.Join(texts, "\n\t"))
	return after.Transactions - before.Transactions, after.Statements - before.Statements, after.RoundTrips - before.RoundTrips
}

// compactInput is bench/load's compact embedded flow: a one-page PDF and
// three embedded signers, each with a signature field, sent at once with
// signing URLs.
func compactInput() esign.ComposeInput {
	in := esign.ComposeInput{CreateEnvelopeInput: esign.CreateEnvelopeInput{Name: "Bench"}, Send: true, SigningURLs: true}
	for i, who := range []string{"alice", "bob", "carol"} {
		in.Recipients = append(in.Recipients, esign.ComposeRecipient{
			RecipientInput: esign.RecipientInput{Name: who, Email: who + "@example.com", Role: "signer", RoutingOrder: 1, Embedded: true},
			Fields:         []esign.ComposeField{{FieldInput: esign.FieldInput{Type: "signature", Page: 1, X: 72, Y: 100 + 100*float64(i), Width: 200, Height: 50}}},
		})
	}
	return in
}

// statementBudget is what one operation may cost: transactions,
// statements on SQLite and on PostgreSQL (where a signing request that
// locks its envelope reads the recipients in a statement of their own; see
// sqldb's TokenContext), and round trips on PostgreSQL (sqldb's
// pgStatements sends BEGIN, writes and COMMIT with other statements).
type statementBudget struct {
	txs, sqlite, postgres, trips int64
}

// TestStatementsPerOperation pins the transactions and statements of each
// request of bench/load's compact embedded flow (compose and send with
// signing URLs, each signer opens and completes with a typed signature,
// the sender reads the envelope) and of authenticating: every statement is
// a round trip on PostgreSQL and time holding SQLite's one writer, so one
// more fails here. Run with -v to see the statements.
func TestStatementsPerOperation(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	reg, err := h.svc.Register(ctx, esign.RegisterInput{Email: "sender@example.com", Password: "correct horse battery", Name: "Sender", Organization: "Acme"})
	must(t, err)
	p, err := h.svc.Authenticate(ctx, reg.Tokens.AccessToken)
	must(t, err)
	_, apiKey, err := h.svc.CreateAPIKey(ctx, p, "bench")
	must(t, err)
	want := map[string]statementBudget{
		"authenticate (access token)": {1, 1, 1, 2},
		"authenticate (API key)":      {1, 1, 1, 2},
		"compose":                     {1, 17, 17, 2},
		"open":                        {1, 8, 9, 2},
		"complete":                    {2, 11, 12, 4},
		"complete (last signer)":      {2, 12, 13, 5},
		"get":                         {1, 4, 4, 3},
	}
	check := func(name string, op func()) {
		t.Helper()
		txs, stmts, trips := h.statementsOf(name, op)
		b, budget, tripBudget := want[name], want[name].sqlite, int64(0)
		if teststack.Scaled() {
			budget, tripBudget = b.postgres, b.trips
		}
		if txs != b.txs || stmts != budget || trips != tripBudget {
			t.Errorf("%s: %d transactions, %d statements and %d round trips, want %d, %d and %d (-v lists them)",
				name, txs, stmts, trips, b.txs, budget, tripBudget)
		}
	}
	check("authenticate (access token)", func() { _, err := h.svc.Authenticate(ctx, reg.Tokens.AccessToken); must(t, err) })
	check("authenticate (API key)", func() { _, err := h.svc.Authenticate(ctx, apiKey); must(t, err) })
	var d *esign.Composed
	check("compose", func() {
		d, err = h.svc.Compose(ctx, p, compactInput(), docs(esigntest.PDF(1, 612, 792)))
		must(t, err)
	})
	for i, u := range d.SigningURLs {
		var v *esign.SigningView
		check("open", func() {
			v, err = h.svc.OpenSigning(ctx, u.URL[strings.LastIndex(u.URL, "/")+1:])
			must(t, err)
		})
		name := "complete"
		if i == len(d.SigningURLs)-1 {
			name = "complete (last signer)"
		}
		check(name, func() {
			_, err := h.svc.CompleteWithFields(ctx, v.SessionToken, esign.FieldFills{v.Fields[0].ID: typed("Signer " + string(rune('A'+i)))})
			must(t, err)
		})
	}
	check("get", func() { _, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID); must(t, err) })
}

// BenchmarkCompactRequests is the requests of bench/load's compact
// embedded flow, without the jobs they enqueue: compose and send with
// signing URLs, each of three signers opens and completes with a typed
// signature, the sender reads the envelope. stmts/op counts the
// statements (sqldb.Stats):
//
//	go test -run '^$' -bench BenchmarkCompactRequests -benchmem -count 6 ./internal/esign
func BenchmarkCompactRequests(b *testing.B) {
	ctx := context.Background()
	h := newHarness(b)
	p := h.register("sender@example.com")
	pdf := esigntest.PDF(1, 612, 792)
	b.ReportAllocs()
	before := h.db.Stats()
	stop := cpumeter.Start(b)
	for b.Loop() {
		d, err := h.svc.Compose(ctx, p, compactInput(), docs(pdf))
		must(b, err)
		for i, u := range d.SigningURLs {
			v, err := h.svc.OpenSigning(ctx, u.URL[strings.LastIndex(u.URL, "/")+1:])
			must(b, err)
			_, err = h.svc.CompleteWithFields(ctx, v.SessionToken, esign.FieldFills{v.Fields[0].ID: typed("Signer " + string(rune('A'+i)))})
			must(b, err)
		}
		_, err = h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
		must(b, err)
	}
	stop()
	b.ReportMetric(float64(h.db.Stats().Statements-before.Statements)/float64(b.N), "stmts/op")
}
