package pades

import (
	"github.com/gsign/gsign/internal/testtool"

	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The sealed files are checked with the tools users' viewers and
// validators are built on: poppler's pdfsig and qpdf. CI installs them
// (apt-get install poppler-utils qpdf); elsewhere the checks skip, unless
// GSIGN_REQUIRE_TOOLS is set.

func requireTool(t testing.TB, name string) { testtool.Require(t, name) }

func haveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

func writeFile(t testing.TB, name string, b []byte) string { return testtool.WriteTemp(t, name, b) }

// sigReport is what pdfsig says about one signature.
type sigReport struct {
	text  string
	valid bool // "Signature is Valid."
	total bool // "Total document signed"
}

// pdfsig runs pdfsig on pdf and returns its report per signature.
func pdfsig(t testing.TB, pdf []byte) ([]sigReport, string) {
	t.Helper()
	requireTool(t, "pdfsig")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("pdfsig", "-no-ocsp", writeFile(t, "sealed.pdf", pdf))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// pdfsig exits non-zero when a certificate is not trusted, which the
	// test root is not; the report is judged by its text.
	_ = cmd.Run()
	out := stdout.String()
	var reports []sigReport
	for _, part := range strings.Split(out, "Signature #")[1:] {
		reports = append(reports, sigReport{
			text:  part,
			valid: strings.Contains(part, "Signature Validation: Signature is Valid."),
			total: strings.Contains(part, "Total document signed"),
		})
	}
	return reports, out + stderr.String()
}

// qpdfCheck runs qpdf --check on pdf and fails the test unless it passes.
func qpdfCheck(t testing.TB, pdf []byte) {
	t.Helper()
	requireTool(t, "qpdf")
	out, err := exec.Command("qpdf", "--check", writeFile(t, "check.pdf", pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// qpdfConvert rewrites pdf with qpdf and the given options.
func qpdfConvert(t testing.TB, pdf []byte, args ...string) []byte {
	t.Helper()
	requireTool(t, "qpdf")
	in := writeFile(t, "in.pdf", pdf)
	out := filepath.Join(t.TempDir(), "out.pdf")
	args = append(args, in, out)
	if msg, err := exec.Command("qpdf", args...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
