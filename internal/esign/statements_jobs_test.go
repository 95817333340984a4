package esign_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/teststack"
)

// TestStatementsPerJob pins what the jobs of bench/load's compact embedded
// flow cost once its last signer completed: finalize (which reads the
// envelope's record in one read) and the owner's completed email, each
// claimed and ended in the transactions the runner and the handlers share;
// the email composed from one read of what it shows (EnvelopeMailing).
// On PostgreSQL each statement that needs an answer is a round trip. Run
// with -v to see the statements.
func TestStatementsPerJob(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, err := h.svc.Compose(ctx, p, compactInput(), docs(esigntest.PDF(1, 612, 792)))
	must(t, err)
	h.drain()
	for i, u := range d.SigningURLs {
		v, err := h.svc.OpenSigning(ctx, u.URL[strings.LastIndex(u.URL, "/")+1:])
		must(t, err)
		_, err = h.svc.CompleteWithFields(ctx, v.SessionToken, esign.FieldFills{v.Fields[0].ID: typed("Signer " + string(rune('A'+i)))})
		must(t, err)
	}
	want := statementBudget{txs: 7, sqlite: 30, postgres: 30, trips: 17}
	txs, stmts, trips := h.statementsOf("jobs after the last signer", h.drain)
	budget, tripBudget := want.sqlite, int64(0)
	if teststack.Scaled() {
		budget, tripBudget = want.postgres, want.trips
	}
	if txs != want.txs || stmts != budget || trips != tripBudget {
		t.Errorf("jobs: %d transactions, %d statements and %d round trips, want %d, %d and %d (-v lists them)",
			txs, stmts, trips, want.txs, budget, tripBudget)
	}
	e, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if e.Envelope.ResultStatus != esign.ResultReady {
		t.Fatalf("result %q after the jobs ran, want ready", e.Envelope.ResultStatus)
	}
}
