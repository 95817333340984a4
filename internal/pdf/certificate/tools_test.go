package certificate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These helpers check output with poppler and qpdf, as the pdf package's
// tests do. CI installs them; elsewhere the tests that need them skip.

func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("GSIGN_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is required (GSIGN_REQUIRE_TOOLS is set) but not installed", name)
		}
		t.Skipf("%s not installed (apt-get install poppler-utils qpdf); skipping the check that needs it", name)
	}
}

func writeTemp(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// pdfText returns the text of every page, one string per page.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	requireTool(t, "pdftotext")
	pages := strings.Split(string(run(t, "pdftotext", "-enc", "UTF-8", writeTemp(t, pdf), "-")), "\f")
	return pages[:len(pages)-1] // the text ends with a form feed
}

func qpdfCheck(t *testing.T, pdf []byte) {
	t.Helper()
	requireTool(t, "qpdf")
	run(t, "qpdf", "--check", writeTemp(t, pdf))
}
