package certificate

import (
	"github.com/gsign/gsign/internal/testtool"

	"strings"
	"testing"
)

// These helpers check output with poppler and qpdf, as the pdf package's
// tests do. CI installs them; elsewhere the tests that need them skip.

func requireTool(t *testing.T, name string) { testtool.Require(t, name) }

// writeTemp stores pdf in the test's temporary directory.
func writeTemp(t *testing.T, pdf []byte) string { return testtool.WriteTemp(t, "doc.pdf", pdf) }

func run(t *testing.T, name string, args ...string) []byte { return testtool.Run(t, name, args...) }

// pdfText returns the text of every page, one string per page.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	requireTool(t, "pdftotext")
	pages := strings.Split(string(run(t, "pdftotext", "-enc", "UTF-8", writeTemp(t, pdf), "-")), "\f")
	return pages[:len(pages)-1] // the text ends with a form feed
}

func qpdfCheck(t *testing.T, pdf []byte) { testtool.QPDFCheck(t, pdf) }
