package pdf

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func TestInspectPageSizes(t *testing.T) {
	t.Parallel()
	multi := testDoc{pages: []testPage{
		{entries: letter, content: label("one")},
		{entries: "/MediaBox [0 0 595 842] /Rotate 90", content: label("two")},
		{entries: "/MediaBox [0 0 400 300] /CropBox [50 20 350 280] /Rotate -90", content: label("three")},
	}}.build()
	tests := []struct {
		name string
		pdf  []byte
		want []esign.PageInfo
	}{
		{"letter", onePage(letter), []esign.PageInfo{{Width: 612, Height: 792}}},
		{"rotate 90 swaps width and height", onePage(letter + " /Rotate 90"), []esign.PageInfo{{Width: 792, Height: 612}}},
		{"rotate 180 keeps them", onePage(letter + " /Rotate 180"), []esign.PageInfo{{Width: 612, Height: 792}}},
		{"rotate 270 swaps them", onePage(letter + " /Rotate 270"), []esign.PageInfo{{Width: 792, Height: 612}}},
		{"rotate 450 is rotate 90", onePage(letter + " /Rotate 450"), []esign.PageInfo{{Width: 792, Height: 612}}},
		{"crop box with offset origin", onePage(letter + " /CropBox [100 50 400 650]"), []esign.PageInfo{{Width: 300, Height: 600}}},
		{"crop box and rotate", onePage(letter + " /CropBox [100 50 400 650] /Rotate 90"), []esign.PageInfo{{Width: 600, Height: 300}}},
		{"crop box clipped to media box", onePage(letter + " /CropBox [-10 -10 300 900]"), []esign.PageInfo{{Width: 300, Height: 792}}},
		{"corners in any order", onePage("/MediaBox [612 792 0 0]"), []esign.PageInfo{{Width: 612, Height: 792}}},
		{"media box not at origin", onePage("/MediaBox [-100 -200 500 600]"), []esign.PageInfo{{Width: 600, Height: 800}}},
		{"attributes inherited from the page tree", testDoc{
			pagesEntries: letter + " /Rotate 90",
			pages:        []testPage{{content: label("inherited")}},
		}.build(), []esign.PageInfo{{Width: 792, Height: 612}}},
		{"multi-page", multi, []esign.PageInfo{{Width: 612, Height: 792}, {Width: 842, Height: 595}, {Width: 260, Height: 300}}},
		{"startxref off by two bytes, as some producers write it", shiftStartXRef(onePage(letter), 2), []esign.PageInfo{{Width: 612, Height: 792}}},
		{"junk before the header", append([]byte("junk\n"), onePage(letter)...), []esign.PageInfo{{Width: 612, Height: 792}}},
		{"xref stream and object streams", rewritten(t, multi), []esign.PageInfo{{Width: 612, Height: 792}, {Width: 842, Height: 595}, {Width: 260, Height: 300}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := (&Inspector{}).Inspect(context.Background(), bytes.NewReader(tc.pdf))
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if len(info.Pages) != len(tc.want) {
				t.Fatalf("got %d pages, want %d", len(info.Pages), len(tc.want))
			}
			for i, p := range info.Pages {
				if math.Abs(p.Width-tc.want[i].Width) > 1e-9 || math.Abs(p.Height-tc.want[i].Height) > 1e-9 {
					t.Errorf("page %d: got %v×%v, want %v×%v", i+1, p.Width, p.Height, tc.want[i].Width, tc.want[i].Height)
				}
			}
		})
	}
}

func TestInspectRefusesBadInput(t *testing.T) {
	t.Parallel()
	valid := testDoc{pages: []testPage{
		{entries: letter, content: label("one")},
		{entries: letter, content: label("two")},
	}}.build()
	xrefStream := rewritten(t, valid)
	pngBytes := solidPNG(t, 8, 8, func(int, int) color.Color { return color.Black })
	tests := []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, esign.CodeInvalidPDF},
		{"plain text", []byte("Dear customer, please sign the attached contract."), esign.CodeInvalidPDF},
		{"png image", pngBytes, esign.CodeInvalidPDF},
		{"html error page", []byte("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"), esign.CodeInvalidPDF},
		{"well framed garbage", []byte("%PDF-1.7\nxref\n" + strings.Repeat("garbage ", 100) + "\nstartxref\n9\n%%EOF\n"), esign.CodeInvalidPDF},
		{"header then garbage", []byte("%PDF-1.7\n" + strings.Repeat("garbage ", 100) + "\nstartxref\n9\n%%EOF\n"), esign.CodePDFTruncated},
		{"no pages", writeObjects([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
		}), esign.CodeInvalidPDF},
		{"cut at 50%", valid[:len(valid)/2], esign.CodePDFTruncated},
		{"cut at 90%", valid[:len(valid)*9/10], esign.CodePDFTruncated},
		{"last bytes missing", valid[:len(valid)-3], esign.CodePDFTruncated},
		{"xref stream cut at 50%", xrefStream[:len(xrefStream)/2], esign.CodePDFTruncated},
		{"startxref beyond the end", bytes.Replace(valid, []byte("startxref\n"), []byte("startxref\n9"), 1), esign.CodePDFTruncated},
		{"header only", []byte("%PDF-1.4\n"), esign.CodePDFTruncated},
		{"bytes lost in the middle", append(valid[:len(valid)/3:len(valid)/3], valid[len(valid)/3+40:]...), esign.CodePDFTruncated},
		{"xref stream with bytes lost in the middle", append(xrefStream[:len(xrefStream)/3:len(xrefStream)/3], xrefStream[len(xrefStream)/3+40:]...), esign.CodePDFTruncated},
		{"encrypted, empty user password", encrypted(t, valid, "", true, 256), esign.CodePDFEncrypted},
		{"encrypted, user password", encrypted(t, valid, "secret", true, 256), esign.CodePDFEncrypted},
		{"encrypted with RC4", encrypted(t, valid, "", false, 128), esign.CodePDFEncrypted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := (&Inspector{}).Inspect(context.Background(), bytes.NewReader(tc.data))
			assertInvalid(t, err, tc.code)
		})
	}
}

// assertInvalid checks that err is an *esign.Error of KindInvalid with the
// given code and a message a person can read.
func assertInvalid(t *testing.T, err error, code string) {
	t.Helper()
	var e *esign.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *esign.Error with code %s", err, err, code)
	}
	if e.Kind != esign.KindInvalid || e.Code != code {
		t.Fatalf("got kind %s code %s (%q), want kind %s code %s", e.Kind, e.Code, e.Message, esign.KindInvalid, code)
	}
	if len(e.Message) < 10 {
		t.Errorf("message %q is too terse to help anyone", e.Message)
	}
}

func TestInspectHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Inspector{}).Inspect(ctx, bytes.NewReader(onePage(letter)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// shiftStartXRef adds delta to the offset after the last startxref.
func shiftStartXRef(pdf []byte, delta int) []byte {
	i := bytes.LastIndex(pdf, []byte("startxref\n")) + len("startxref\n")
	j := i + bytes.IndexByte(pdf[i:], '\n')
	offset, _ := strconv.Atoi(string(pdf[i:j]))
	return append(append(slices.Clone(pdf[:i]), strconv.Itoa(offset+delta)...), pdf[j:]...)
}
