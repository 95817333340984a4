package pades

import (
	"bytes"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfcpuRewrite rewrites pdf with pdfcpu, the way GSign flattens documents
// before sealing: object streams and an xref stream.
func pdfcpuRewrite(t *testing.T, pdf []byte) []byte {
	t.Helper()
	conf := &model.Configuration{
		Reader15:          true,
		ValidationMode:    model.ValidationRelaxed,
		Eol:               types.EolLF,
		WriteObjectStream: true,
		WriteXRefStream:   true,
		Offline:           true,
		Limits:            model.DefaultResourceLimits(),
		Cmd:               model.OPTIMIZE,
	}
	var out bytes.Buffer
	if err := api.Optimize(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("pdfcpu optimize: %v", err)
	}
	return out.Bytes()
}
