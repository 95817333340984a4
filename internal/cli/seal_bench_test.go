package cli

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/pki"
)

// BenchmarkSealOnePage seals a small one-page PDF with the platform sealer
// as the finalize job wires it (B-T: a CMS signature and a timestamp from
// the built-in TSA, in process), with a new platform PKI of each key
// algorithm. Each seal makes two private-key operations, one with the seal
// key and one with the TSA key; an envelope makes three seals.
func BenchmarkSealOnePage(b *testing.B) {
	doc := esigntest.PDF(1, 612, 792)
	info := esign.SealInfo{Name: "GSign Seal", Reason: "Benchmark", Time: time.Now()}
	for _, alg := range pki.KeyAlgorithms {
		b.Run(string(alg), func(b *testing.B) {
			sealer := benchSealer(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				if err := sealer.Seal(b.Context(), bytes.NewReader(doc), io.Discard, info); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchSealer returns the platform sealer over a new in-memory PKI with
// keys of alg, at the default level.
func benchSealer(b *testing.B, alg pki.KeyAlgorithm) esign.Sealer {
	b.Helper()
	p, err := pki.Open(context.Background(), pki.Options{MasterKey: bytes.Repeat([]byte{7}, pki.MasterKeySize), Store: blob.NewMemory(),
		Organization: "GSign Bench", CRLURL: "http://gsign.test/pki/root.crl", KeyAlgorithm: alg})
	if err != nil {
		b.Fatal(err)
	}
	signer, chain := p.Seal()
	return newSealer(config.Default(), p, signer, chain)
}
