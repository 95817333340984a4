package esign_test

import (
	"context"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
)

// BenchmarkEnvelope drives one envelope per op through the Service, as
// bench/load does over HTTP: a draft with a document, three parallel
// signers with a signature field each, send, each signer opens the link,
// types a signature and completes, and the jobs run (finalize with its
// certificate, stamping and three seals, and the emails). On real SQLite
// and real PDF handling, with blobs in memory; cpu-ns/op is the CPU per
// envelope of everything but HTTP:
//
//	go test -run '^$' -bench BenchmarkEnvelope -benchmem -count 8 ./internal/esign
func BenchmarkEnvelope(b *testing.B) {
	ctx := context.Background()
	h := newHarness(b)
	p := h.register("sender@example.com")
	signers := []string{"alice@example.com", "bob@example.com", "carol@example.com"}
	names := map[string]string{"alice@example.com": "Alice Example", "bob@example.com": "Bob Q. Signer", "carol@example.com": "Carol Lindqvist-Øberg"}
	specs := make([]recipientSpec, len(signers))
	for i, s := range signers {
		specs[i] = recipientSpec{s, esign.RoleSigner, 1}
	}
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		d, fields := h.sentEnvelope(p, specs...)
		for _, s := range signers {
			h.signTyped(h.openAs(s), fields[s].ID, names[s])
		}
		h.drain()
		got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
		must(b, err)
		if got.Envelope.ResultStatus != esign.ResultReady {
			b.Fatalf("result %s, want ready", got.Envelope.ResultStatus)
		}
	}
	stop()
}
