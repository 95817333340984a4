package pdf

import (
	"bytes"
	"testing"
)

// Stamped and merged documents have object streams only if an input had
// them (keepForm), and always an xref stream (GSign's own when they have
// none, see TestOwnXRef).
func TestWrittenFormFollowsInput(t *testing.T) {
	t.Parallel()
	plain := labelled("Alpha", 1, letter)
	compact := rewritten(t, labelled("Bravo", 1, letter))
	if bytes.Contains(plain, []byte("/ObjStm")) || !bytes.Contains(compact, []byte("/ObjStm")) {
		t.Fatal("the inputs do not differ in object streams")
	}
	tests := []struct {
		name        string
		out         []byte
		wantObjStms bool
	}{
		{"stamped plain", stampFiles(t, plain, nil, evidence), false},
		{"stamped compact", stampFiles(t, compact, nil, evidence), true},
		{"merged plain", merge(t, plain, plain), false},
		{"merged plain and compact", merge(t, plain, compact), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			qpdfCheck(t, tc.out)
			if got := bytes.Contains(tc.out, []byte("/ObjStm")); got != tc.wantObjStms {
				t.Errorf("object streams: %v, want %v", got, tc.wantObjStms)
			}
			if !bytes.Contains(tc.out, []byte("/XRef")) {
				t.Error("no xref stream")
			}
		})
	}
}
