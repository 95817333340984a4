package fastpng

import (
	"bytes"
	"compress/zlib"
	"image"
	"image/color"
	"io"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/fastpng/pngtest"
)

func encode(t *testing.T, img image.Image) []byte {
	t.Helper()
	b, err := Encode(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Read returns the header, palette, transparency and the whole zlib
// stream of an indexed PNG: one filter byte and w indices per row.
func TestReadIndexed(t *testing.T) {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.NRGBA{R: 1, G: 2, B: 3, A: uint8(i)}
	}
	img := image.NewPaletted(image.Rect(0, 0, 37, 11), pal)
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	got, err := Read(encode(t, img))
	if err != nil || got.Header != (Header{Width: 37, Height: 11, Depth: 8, ColourType: ColourIndexed}) {
		t.Fatalf("Read = %+v, %v", got.Header, err)
	}
	if len(got.Palette) != 3*256 || len(got.Alpha) != 255 || !got.Transparent { // the last entry is opaque
		t.Errorf("palette %d bytes, tRNS %d bytes", len(got.Palette), len(got.Alpha))
	}
	r, err := zlib.NewReader(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := io.ReadAll(r)
	if err != nil || len(rows) != 11*(37+1) {
		t.Fatalf("image data inflates to %d bytes (%v), want %d", len(rows), err, 11*38)
	}
	for y := range 11 {
		if got, want := rows[y*38+1:(y+1)*38], img.Pix[y*37:(y+1)*37]; rows[y*38] != 0 || !bytes.Equal(got, want) {
			t.Fatalf("row %d = filter %d %v, want filter 0 %v", y, rows[y*38], got, want)
		}
	}
}

// Parse returns what PDF needs of grey, RGB and indexed PNGs: the samples
// per pixel, the palette and whether any colour is transparent.
func TestParse(t *testing.T) {
	opaque := color.Palette{color.White, color.Black}
	clear := color.Palette{color.Transparent, color.Black}
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range rgb.Pix {
		rgb.Pix[i] = 0xff
	}
	tests := []struct {
		name        string
		img         image.Image
		components  int
		palette     int // bytes
		transparent bool
	}{
		{"grey", image.NewGray(image.Rect(0, 0, 3, 2)), 1, 0, false},
		{"RGB", rgb, 3, 0, false},
		{"RGBA", image.NewNRGBA(image.Rect(0, 0, 3, 2)), 4, 0, false},
		{"indexed", image.NewPaletted(image.Rect(0, 0, 3, 2), opaque), 1, 6, false},
		{"indexed with transparency", image.NewPaletted(image.Rect(0, 0, 3, 2), clear), 1, 6, true},
	}
	for _, tc := range tests {
		img, ok := Parse(encode(t, tc.img))
		if !ok || img.Width != 3 || img.Height != 2 || img.Components() != tc.components ||
			len(img.Palette) != tc.palette || img.Transparent != tc.transparent || len(img.Data) == 0 {
			t.Errorf("%s: Parse = %+v, %v", tc.name, img.Header, ok)
		}
	}
	interlaced := pngtest.WithHeader(encode(t, image.NewGray(image.Rect(0, 0, 3, 2))), 12, 1)
	if _, err := Read(interlaced); err != nil {
		t.Errorf("Read refused an interlaced PNG: %v", err)
	}
	if _, ok := Parse(interlaced); ok {
		t.Error("Parse accepted an interlaced PNG")
	}
}
