package certificate

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

func testCanvas(t *testing.T) *canvas {
	t.Helper()
	fonts, err := goFonts()
	if err != nil {
		t.Fatal(err)
	}
	return newCanvas(pdfw.New(pageWidth*pt, pageHeight*pt, pdfw.Metadata{}),
		[3]*pdfw.Font{regular: fonts[0], bold: fonts[1], mono: pdfw.Courier})
}

// SplitText breaks at spaces, dropping the space it breaks at, and inside
// a word only when the word is wider than a line; every line fits.
func TestSplitText(t *testing.T) {
	c := testCanvas(t)
	c.SetFont(mono, 10) // Courier: every character is 600/1000 × 10 pt = 2.117 mm
	char := 6 / pt
	tests := []struct {
		text  string
		chars float64 // the width, in characters
		want  []string
	}{
		{"", 10, nil},
		{"short", 10, []string{"short"}},
		{"exactly10!", 10, []string{"exactly10!"}},
		{"two words here", 10, []string{"two words", "here"}},
		{"abcdefghijklmnopqrstuvwxyz", 10, []string{"abcdefghij", "klmnopqrst", "uvwxyz"}},
		{"a abcdefghijklmn", 10, []string{"a", "abcdefghij", "klmn"}},
		{"line\nbreak", 40, []string{"line", "break"}},
		{"trailing\n\n", 40, []string{"trailing"}},
		{"x", 0.5, []string{"x"}}, // a character wider than the line still goes somewhere
	}
	for _, tc := range tests {
		got := c.SplitText(tc.text, tc.chars*char)
		if !slices.Equal(got, tc.want) {
			t.Errorf("SplitText(%q, %v chars) = %q, want %q", tc.text, tc.chars, got, tc.want)
		}
	}
	c.SetFont(regular, 9.5)
	for _, l := range c.SplitText(longUserAgent, 60) {
		if w := c.GetStringWidth(l); w > 60 {
			t.Errorf("line %q is %.2f mm wide, more than 60", l, w)
		}
	}
}

// A cell that would reach into the bottom margin goes on a new page, at
// the same abscissa, below the header, in the font and colours it had.
func TestCellBreaksPage(t *testing.T) {
	c := testCanvas(t)
	headers := 0
	c.SetHeaderFunc(func() {
		headers++
		c.SetFont(bold, 20)
		c.SetTextColor(accent)
		c.SetY(runningTop)
	})
	c.AddPage()
	c.SetFont(regular, 9)
	c.SetTextColor(muted)
	c.SetXY(50, pageHeight-bottomMargin-4)
	c.Cell(20, 4, "fits", true, alignLeft)
	if c.PageNo() != 1 {
		t.Fatal("a cell that fits went on a new page")
	}
	c.SetX(50)
	c.Cell(20, 4, "does not fit", true, alignLeft)
	if c.PageNo() != 2 || c.PageCount() != 2 || headers != 2 {
		t.Fatalf("page %d of %d, %d headers; want the cell on page 2", c.PageNo(), c.PageCount(), headers)
	}
	if x, y := c.GetXY(); x != 50 || y != runningTop+4 {
		t.Errorf("after the cell at %v, %v; want 50, %v", x, y, runningTop+4)
	}
	if c.st.face != regular || c.st.size != 9 || c.st.text != muted {
		t.Errorf("the header's font and colour stayed: %+v", c.st)
	}
	c.SetAutoPageBreak(false)
	c.SetY(pageHeight - 10)
	c.Cell(20, 4, "in the margin", false, alignLeft)
	if c.PageCount() != 2 {
		t.Error("a page break with page breaks off")
	}
}

// Names and emails in other scripts, and values too long for a line,
// wrap within the content area and can all be read back.
func TestRenderCertificateLongValuesAndScripts(t *testing.T) {
	t.Parallel()
	c := sample(t)
	c.EnvelopeName = "Договор поставки № 17 – " + strings.Repeat("очень длинное название ", 8)
	c.Recipients[0].Name = "Ελευθέριος Παπαδημητρόπουλος-Καραγιαννόπουλος του Κωνσταντίνου"
	c.Recipients[1].Name = "Александра Владимировна Преображенская-Воскресенская"
	c.Recipients[1].Email = strings.Repeat("very.long.local.part", 6) + "@" + strings.Repeat("subdomain.", 8) + "example.org"
	c.Recipients[2].Email = "олег@пример.рф"
	c.Documents[0].Name = strings.Repeat("Appendix-without-any-spaces-", 6) + ".pdf"
	out := render(t, c)
	qpdfCheck(t, out)
	all := squash(strings.Join(pdfText(t, out), " "))
	want := []string{c.EnvelopeName, c.Documents[0].Name}
	for _, r := range c.Recipients {
		want = append(want, r.Name, r.Email)
	}
	for _, w := range want {
		if !strings.Contains(all, squash(w)) {
			t.Errorf("the certificate does not show %q", w)
		}
	}
	checkMargins(t, out)
}

// checkMargins renders every page and fails if anything is drawn in the
// side margins.
func checkMargins(t *testing.T, pdf []byte) {
	t.Helper()
	requireTool(t, "pdftoppm")
	dir := t.TempDir()
	run(t, "pdftoppm", "-r", "50", "-png", writeTemp(t, pdf), filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) == 0 {
		t.Fatal("no pages rendered")
	}
	px := func(mm float64) int { return int(mm * 50 / 25.4) }
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, edge := range []image.Rectangle{image.Rect(0, 0, px(margin)-2, 585), image.Rect(px(margin+contentWidth)+2, 0, 413, 585)} {
			if n := inked(img, edge.Min.X, edge.Min.Y, edge.Max.X, edge.Max.Y); n != 0 {
				t.Errorf("%s: %d inked pixels in the margin %v", filepath.Base(p), n, edge)
			}
		}
	}
}

// Whatever text a certificate holds, it renders: random strings of
// letters, combining marks, right-to-left scripts, CJK, emoji, controls,
// format characters and invalid UTF-8 in every field.
func TestRenderCertificateAnyText(t *testing.T) {
	t.Parallel()
	pieces := []string{"a", "Z", "é", "e\u0301", "Ω", "ж", "ש", "ع", "中", "👍", "\u200b", "\u202e", "\t", "\n", "\x00",
		"\xff", " ", "  ", "(", ")", "\\", "<", "%", "—", "\uFFFD", "\u0378", strings.Repeat("x", 70)}
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := range 25 {
		c := sample(t)
		c.EnvelopeName, c.EnvelopeID, c.SenderName, c.Organization = text(), text(), text(), text()
		c.Status, c.AuditHeadHash = text(), text()
		for j := range c.Recipients {
			r := &c.Recipients[j]
			r.Name, r.Email, r.Role, r.Status, r.IP, r.UserAgent, r.Authentication = text(), text(), text(), text(), text(), text(), text()
		}
		c.Documents = append(c.Documents, esign.CertificateDocument{Name: text(), OriginalSHA256: text(), SealedSHA256: text()})
		var out bytes.Buffer
		if err := (&Renderer{}).RenderCertificate(t.Context(), c, &out); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if i%8 == 0 {
			qpdfCheck(t, out.Bytes())
			if text := strings.Join(pdfText(t, out.Bytes()), ""); !utf8.ValidString(text) || !strings.Contains(text, "Page 1 of") {
				t.Errorf("case %d: the text does not extract: %q", i, text)
			}
		}
	}
}

// Each distinct signature image is embedded once, however many recipients
// share it.
func TestRenderCertificateSharedSignature(t *testing.T) {
	t.Parallel()
	c := sample(t)
	sig := c.Recipients[0].SignaturePNG
	for i := range c.Recipients {
		c.Recipients[i].SignaturePNG = sig
	}
	out := render(t, c)
	if n := bytes.Count(out, []byte("/Subtype /Image")); n != 1 {
		t.Errorf("%d images for one signature shared by %d recipients", n, len(c.Recipients))
	}
}
