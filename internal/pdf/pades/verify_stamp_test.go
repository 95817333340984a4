package pades_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/pdf"
	"github.com/gsign/gsign/internal/pdf/pades"
)

// TestVerifyStampedAndSealed verifies documents made the way GSign makes
// them: stamped with the evidence embedded by internal/pdf, then sealed.
func TestVerifyStampedAndSealed(t *testing.T) {
	tests := []struct {
		name        string
		broken      bool
		wantProblem string
	}{
		{name: "intact evidence"},
		{name: "evidence with a broken audit chain", broken: true, wantProblem: "evidence: the audit chain is broken at event 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stamped := stamp(t, esigntest.PDF(2, 612, 792), pades.EvidenceForTest(t, tt.broken))
			sealed, opts := pades.SealForTest(t, stamped)
			rep, err := pades.Verify(context.Background(), bytes.NewReader(sealed), int64(len(sealed)), opts)
			if err != nil {
				t.Fatal(err)
			}
			ev := rep.Evidence
			if ev == nil || !ev.Present || ev.EnvelopeID != "env_test" || ev.HeadSeq != 3 {
				t.Fatalf("evidence = %+v", ev)
			}
			if tt.wantProblem == "" {
				if !rep.Valid || !ev.ChainOK || len(rep.Problems) > 0 {
					t.Fatalf("valid=%t evidence=%+v problems=%q", rep.Valid, ev, rep.Problems)
				}
				return
			}
			if rep.Valid || ev.ChainOK || !hasProblem(rep.Problems, tt.wantProblem) {
				t.Fatalf("valid=%t evidence=%+v problems=%q, want %q", rep.Valid, ev, rep.Problems, tt.wantProblem)
			}
			if !rep.Signatures[0].IntegrityOK || !rep.Signatures[0].ChainOK {
				t.Error("the seal itself should verify: only the evidence is bad")
			}
		})
	}
}

func stamp(t *testing.T, src, evidence []byte) []byte {
	t.Helper()
	files := []esign.EmbeddedFile{{Name: "evidence.json", MIMEType: "application/json", Relationship: "Supplement", Data: evidence}}
	var out bytes.Buffer
	if err := (&pdf.Stamper{}).Stamp(context.Background(), bytes.NewReader(src), nil, files, &out); err != nil {
		t.Fatalf("Stamp: %v", err)
	}
	return out.Bytes()
}

func hasProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}
