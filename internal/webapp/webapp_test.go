package webapp

import (
	"bytes"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/image/font/gofont/goitalic"
)

// TestDist: the committed placeholder is always embedded (so a clone
// without Node compiles), and Dist reports a build exactly when Vite's
// index.html is there.
func TestDist(t *testing.T) {
	readme, err := fs.ReadFile(dist, "dist/README.txt")
	if err != nil || !strings.Contains(string(readme), "npm run build") {
		t.Fatalf("the placeholder is missing or does not say how to build: %v", err)
	}
	_, statErr := fs.Stat(dist, "dist/index.html")
	app := Dist()
	if built := statErr == nil; built != (app != nil) {
		t.Fatalf("index.html embedded: %v, but Dist() != nil: %v", built, app != nil)
	}
	if app == nil {
		t.Log("the web app is not built into this binary (cd web && npm ci && npm run build)")
		return
	}
	page, err := fs.ReadFile(app, "index.html")
	if err != nil || !strings.Contains(string(page), `src="/app/assets/`) {
		t.Fatalf("the built page does not load its script from /app/assets/: %v\n%s", err, page)
	}
	if strings.Contains(string(page), "<script>") {
		t.Error("the built page has an inline script, which the CSP forbids")
	}
}

// TestSignatureFont: the app's files include the server's signature font,
// readable and seekable as http.ServeFileFS needs.
func TestSignatureFont(t *testing.T) {
	app := withFont{fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}}
	st, err := fs.Stat(app, SignatureFontPath)
	if err != nil || st.IsDir() || st.Size() != int64(len(goitalic.TTF)) {
		t.Fatalf("stat: %v %v", st, err)
	}
	b, err := fs.ReadFile(app, SignatureFontPath)
	if err != nil || !bytes.Equal(b, goitalic.TTF) {
		t.Fatalf("read: %d bytes, %v", len(b), err)
	}
	f, _ := app.Open(SignatureFontPath)
	if _, ok := f.(io.Seeker); !ok {
		t.Error("the font file cannot seek, so ranges and content sniffing fail")
	}
	if _, err := fs.ReadFile(app, "index.html"); err != nil {
		t.Errorf("the app's own files are hidden: %v", err)
	}
}
