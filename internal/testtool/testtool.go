// Package testtool runs the real tools tests check GSign's output with:
// poppler (pdfsig, pdftotext, pdftoppm, pdfdetach), qpdf, SoftHSM2. CI
// installs them and sets GSIGN_REQUIRE_TOOLS, so a missing tool fails there;
// elsewhere a test that needs it skips, saying so.
package testtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Require skips the test, or fails it under GSIGN_REQUIRE_TOOLS, when the
// named program is not installed.
func Require(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("GSIGN_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is required (GSIGN_REQUIRE_TOOLS is set) but not installed", name)
		}
		t.Skipf("%s not installed (apt-get install poppler-utils qpdf); skipping the check that needs it", name)
	}
}

// WriteTemp stores data as name in the test's temporary directory.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Run runs a tool (after Require) and returns its standard output; a
// non-zero exit fails the test with everything the tool printed.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	Require(t, name)
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// QPDFCheck fails the test unless qpdf --check accepts the PDF.
func QPDFCheck(t testing.TB, pdf []byte) {
	t.Helper()
	Run(t, "qpdf", "--check", WriteTemp(t, "check.pdf", pdf))
}

// Text returns the PDF's text as pdftotext extracts it.
func Text(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	args = append(args, WriteTemp(t, "text.pdf", pdf), "-")
	return string(Run(t, "pdftotext", args...))
}
