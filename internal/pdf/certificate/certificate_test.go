package certificate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

var update = flag.Bool("update", false, "rewrite the golden certificate in testdata")

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func hash(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

// signaturePNG draws a wavy navy stroke on a transparent w×h canvas.
func signaturePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	ink := color.NRGBA{R: 0x1a, G: 0x2b, B: 0x6d, A: 0xff}
	for x := w / 10; x < w*9/10; x++ {
		y := h/2 + int(float64(h)/4*sinApprox(float64(x)/float64(w)*12))
		for dy := -2; dy <= 2; dy++ {
			img.Set(x, y+dy, ink)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sinApprox is a triangle wave, enough for a squiggle.
func sinApprox(x float64) float64 {
	x -= 4 * float64(int(x/4))
	if x < 2 {
		return x - 1
	}
	return 3 - x
}

const longUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " +
	"Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80 SomeCorporateProxy/3.2.1 (build 20240501; " +
	"policy=strict; region=eu-west-1; tenant=acme-holdings-international) ExtraToken/" +
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"

// sample is a completed envelope with three recipients: one with a Greek
// name, one without a signature image, one with a very long user agent.
func sample(t testing.TB) *esign.Certificate {
	return &esign.Certificate{
		EnvelopeID:    "env_01HZX3K9Q4R7T2V5W8Y0A1B2C3",
		EnvelopeName:  "Master Services Agreement – Acme & Παπαδόπουλος Α.Ε.",
		Status:        "completed",
		SenderName:    "Jane Sender",
		SenderEmail:   "jane.sender@acme.example",
		Organization:  "Acme Holdings",
		CreatedAt:     *at("2026-03-10T09:00:00Z"),
		SentAt:        at("2026-03-10T09:05:12Z"),
		CompletedAt:   at("2026-03-14T15:09:26Z"),
		AuditEvents:   27,
		AuditHeadHash: hash("head"),
		GeneratedAt:   *at("2026-03-14T15:09:27Z"),
		Recipients: []esign.CertificateRecipient{
			{Name: "Μαρία Παπαδοπούλου", Email: "maria@example.gr", Role: "signer", RoutingOrder: 1, Status: "completed",
				AuthMethod: "none", IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
				SentAt: at("2026-03-10T09:05:12Z"), ViewedAt: at("2026-03-11T08:00:00Z"), SignedAt: at("2026-03-11T08:03:41Z"),
				SignaturePNG: signaturePNG(t, 400, 120)},
			{Name: "Sam Approver", Email: "sam@acme.example", Role: "approver", RoutingOrder: 2, Status: "completed",
				AuthMethod: "none", IP: "2001:db8::42", UserAgent: "curl/8.5.0",
				SentAt: at("2026-03-11T08:03:42Z"), ViewedAt: at("2026-03-12T10:00:00Z"), SignedAt: at("2026-03-12T10:01:00Z")},
			{Name: "Oleg Ivanov", Email: "oleg.ivanov@example.org", Role: "signer", RoutingOrder: 3, Status: "completed",
				AuthMethod: "access_code", IP: "198.51.100.23", UserAgent: longUserAgent,
				SentAt: at("2026-03-12T10:01:01Z"), ViewedAt: at("2026-03-14T15:00:00Z"), SignedAt: at("2026-03-14T15:09:26Z"),
				SignaturePNG: signaturePNG(t, 300, 300)},
		},
		Documents: []esign.CertificateDocument{
			{Name: "Master Services Agreement.pdf", Pages: 12, OriginalSHA256: hash("msa"), SealedSHA256: hash("msa sealed")},
			{Name: "Schedule A – Pricing.pdf", Pages: 1, OriginalSHA256: hash("schedule"), SealedSHA256: hash("schedule sealed")},
		},
	}
}

func render(t testing.TB, c *esign.Certificate) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := (&Renderer{}).RenderCertificate(context.Background(), c, &out); err != nil {
		t.Fatalf("RenderCertificate: %v", err)
	}
	return out.Bytes()
}

// squash removes all white space, so that text pdftotext broke across
// lines can be found.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestRenderCertificate(t *testing.T) {
	t.Parallel()
	c := sample(t)
	out := render(t, c)
	qpdfCheck(t, out)
	pages := pdfText(t, out)
	all := squash(strings.Join(pages, " "))
	want := []string{"Certificate of Completion", c.EnvelopeName, c.EnvelopeID, c.SenderName, c.SenderEmail, c.Organization,
		"2026-03-10 09:00:00 UTC", "2026-03-14 15:09:26 UTC", "Generated 2026-03-14 15:09:27 UTC", c.AuditHeadHash,
		"27", "gsign audit verify", "evidence.json", "Approved", "Access code"}
	for _, r := range c.Recipients {
		want = append(want, r.Name, r.Email, r.IP, r.UserAgent)
	}
	for _, d := range c.Documents {
		want = append(want, d.Name, d.OriginalSHA256, d.SealedSHA256)
	}
	for _, w := range want {
		if !strings.Contains(all, squash(w)) {
			t.Errorf("the certificate does not show %q", w)
		}
	}
	for i, p := range pages {
		if footer := fmt.Sprintf("Page %d of %d", i+1, len(pages)); !strings.Contains(p, footer) {
			t.Errorf("page %d lacks %q", i+1, footer)
		}
	}
	if n := strings.Count(all, "Nosignatureimage"); n != 1 {
		t.Errorf("%d notes of a missing signature image, want 1 (Sam Approver)", n)
	}
}

func TestRenderCertificateIsDeterministic(t *testing.T) {
	t.Parallel()
	first, second := render(t, sample(t)), render(t, sample(t))
	if !bytes.Equal(first, second) {
		t.Fatal("rendering the same certificate twice gave different bytes")
	}
	golden := filepath.Join("testdata", "certificate.pdf")
	if *update {
		if err := os.WriteFile(golden, first, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(first, want) {
		t.Errorf("the certificate differs from %s; if the change is intended, look at it, then run go test -update", golden)
	}
}

func TestRenderCertificateLayout(t *testing.T) {
	t.Parallel()
	requireTool(t, "pdftoppm")
	path := writeTemp(t, render(t, sample(t)))
	prefix := filepath.Join(t.TempDir(), "page")
	run(t, "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// A4 at 50 dpi is 413.4×584.6 px; 1 mm is about 1.97 px.
	if b := img.Bounds(); b.Dx() < 413 || b.Dx() > 414 || b.Dy() < 584 || b.Dy() > 585 {
		t.Fatalf("page 1 is %v px, want A4 (413×585)", b)
	}
	px := func(mm float64) int { return int(mm * 50 / 25.4) }
	if n := inked(img, px(margin), px(10), px(margin+contentWidth), px(45)); n < 200 {
		t.Errorf("only %d inked pixels in the title area", n)
	}
	for _, edge := range []image.Rectangle{
		image.Rect(0, 0, px(margin)-2, 585),                    // left margin
		image.Rect(px(margin+contentWidth)+2, 0, 413, 585),     // right margin
		image.Rect(0, 0, 413, px(8)),                           // top edge
		image.Rect(0, px(pageHeight-9), 413, px(pageHeight)-1), // below the footer
	} {
		if n := inked(img, edge.Min.X, edge.Min.Y, edge.Max.X, edge.Max.Y); n != 0 {
			t.Errorf("%d inked pixels in the margin %v", n, edge)
		}
	}
}

// inked counts pixels in [x0,x1)×[y0,y1) that are not near white.
func inked(img image.Image, x0, y0, x1, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || b < 0xe000 {
				n++
			}
		}
	}
	return n
}

func TestRenderCertificateManyRecipients(t *testing.T) {
	t.Parallel()
	c := sample(t)
	sig := signaturePNG(t, 400, 100)
	c.Recipients = nil
	for i := range 40 {
		r := esign.CertificateRecipient{Name: fmt.Sprintf("Recipient Number%02d", i+1), Email: fmt.Sprintf("r%02d@example.com", i+1),
			Role: "signer", RoutingOrder: i + 1, Status: "completed", AuthMethod: "none", IP: "192.0.2." + strconv.Itoa(i+1),
			UserAgent: "Mozilla/5.0", SentAt: at("2026-03-10T09:05:12Z"), SignedAt: at("2026-03-11T08:03:41Z")}
		if i%3 != 0 {
			r.SignaturePNG = sig
		}
		c.Recipients = append(c.Recipients, r)
	}
	out := render(t, c)
	qpdfCheck(t, out)
	pages := pdfText(t, out)
	if len(pages) < 5 {
		t.Fatalf("%d pages for 40 recipients; expected the list to run over several", len(pages))
	}
	all := squash(strings.Join(pages, " "))
	last := -1
	for _, r := range c.Recipients {
		i := strings.Index(all, squash(r.Name))
		if i < 0 || !strings.Contains(all, r.Email) {
			t.Errorf("%s is missing", r.Name)
			continue
		}
		if i < last {
			t.Errorf("%s is out of order", r.Name)
		}
		last = i
	}
	for i, p := range pages {
		if footer := fmt.Sprintf("Page %d of %d", i+1, len(pages)); !strings.Contains(p, footer) {
			t.Errorf("page %d lacks %q", i+1, footer)
		}
		if i > 0 && !strings.Contains(p, "Certificate of Completion") {
			t.Errorf("page %d lacks the running header", i+1)
		}
	}
	// A recipient's block is kept on one page: name, email and the time it
	// was signed appear together.
	block := regexp.MustCompile(`(?s)Recipient Number(\d\d).*?r(\d\d)@example\.com.*?Signed`)
	for _, p := range pages {
		for _, m := range block.FindAllStringSubmatch(p, -1) {
			if m[1] != m[2] {
				t.Errorf("the block of recipient %s runs into recipient %s", m[1], m[2])
			}
		}
	}
}

func TestSectionKeepsItsHeadingWithContent(t *testing.T) {
	t.Parallel()
	const firstBlock = 20.0
	w, err := newWriter(sample(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for y := runningTop; y < pageHeight-bottomMargin; y += 0.25 {
		w.pdf.AddPage()
		w.pdf.SetY(y)
		w.section("Heading", firstBlock)
		if end := w.pdf.GetY() + firstBlock; end > pageHeight-bottomMargin {
			t.Fatalf("a section heading at y=%.2f mm leaves its first %.0f mm block ending at %.2f mm, past the page's end",
				y, firstBlock, end)
		}
	}
}

func TestRenderCertificateUndrawableText(t *testing.T) {
	t.Parallel()
	c := sample(t)
	c.Recipients[0].Name = "王小明 👍 Ivan\u200b\tIvanov\x00"
	c.Recipients[1].SignaturePNG = []byte("not a png")
	c.Documents[0].Name = "\xff\xfeBroken.pdf"
	out := render(t, c)
	qpdfCheck(t, out)
	all := strings.Join(pdfText(t, out), " ")
	for _, want := range []string{"\uFFFD\uFFFD\uFFFD \uFFFD Ivan Ivanov", "Signature image unreadable", "\uFFFD\uFFFDBroken.pdf"} {
		if !strings.Contains(all, want) {
			t.Errorf("the certificate does not show %q", want)
		}
	}
}

func TestRenderCertificateSignatureFormats(t *testing.T) {
	t.Parallel()
	// 16-bit and paletted PNGs are re-encoded or get a new palette.
	deep := image.NewNRGBA64(image.Rect(0, 0, 200, 60))
	paletted := image.NewPaletted(image.Rect(0, 0, 200, 60), color.Palette{color.White, color.Black})
	for x := 20; x < 180; x++ {
		deep.Set(x, 30, color.Black)
		paletted.Set(x, 30, color.Black)
	}
	for _, img := range []image.Image{deep, paletted} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		c := sample(t)
		c.Recipients[0].SignaturePNG = b.Bytes()
		qpdfCheck(t, render(t, c))
	}
}

func TestRenderCertificateEmptyEnvelope(t *testing.T) {
	t.Parallel()
	c := &esign.Certificate{EnvelopeID: "env_x", Status: "voided", GeneratedAt: *at("2026-03-14T15:09:27Z")}
	out := render(t, c)
	qpdfCheck(t, out)
	all := strings.Join(pdfText(t, out), " ")
	for _, want := range []string{"no recipients", "no documents", "VOIDED", "Page 1 of 1"} {
		if !strings.Contains(all, want) {
			t.Errorf("the certificate does not show %q", want)
		}
	}
}

func TestRenderCertificateRefuses(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := (&Renderer{}).RenderCertificate(context.Background(), nil, &out); err == nil {
		t.Error("a nil certificate was rendered")
	}
	c := sample(t)
	c.GeneratedAt = time.Time{}
	if err := (&Renderer{}).RenderCertificate(context.Background(), c, &out); err == nil {
		t.Error("a certificate without GeneratedAt was rendered")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&Renderer{}).RenderCertificate(ctx, sample(t), &out); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if out.Len() != 0 {
		t.Error("output was written despite the errors")
	}
}

// TestRenderCertificateAuthentication: a recipient's Authentication line
// shows how they were authenticated, in place of the bare method.
func TestRenderCertificateAuthentication(t *testing.T) {
	t.Parallel()
	c := sample(t)
	c.Recipients[0].Authentication = "Email one-time code to m***@example.gr"
	c.Recipients[2].Authentication = "Identity verification (kba, reference REF-1)"
	all := squash(strings.Join(pdfText(t, render(t, c)), " "))
	for _, want := range []string{"AuthenticationEmailone-timecodetom***@example.gr", "Identityverification(kba,referenceREF-1)"} {
		if !strings.Contains(all, want) {
			t.Errorf("the certificate does not show %q", want)
		}
	}
}
