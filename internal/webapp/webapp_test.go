package webapp

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gsign/gsign/internal/pdf/sigfont"
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

// TestSignatureFont: the app's files include every signature font,
// readable and seekable as http.ServeFileFS needs, and nothing else.
func TestSignatureFont(t *testing.T) {
	app := withFont{fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}}}
	for _, font := range sigfont.All() {
		name := SignatureFontPath(font.ID)
		st, err := fs.Stat(app, name)
		if err != nil || st.IsDir() || st.Size() != int64(len(font.TTF)) {
			t.Fatalf("%s: stat: %v %v", name, st, err)
		}
		b, err := fs.ReadFile(app, name)
		if err != nil || !bytes.Equal(b, font.TTF) {
			t.Fatalf("%s: read: %d bytes, %v", name, len(b), err)
		}
		f, _ := app.Open(name)
		if _, ok := f.(io.Seeker); !ok {
			t.Error("the font file cannot seek, so ranges and content sniffing fail")
		}
	}
	for _, name := range []string{"fonts/signature.ttf", "fonts/caveat", "fonts/caveat.ttf.ttf", "fonts/../caveat.ttf"} {
		if _, err := app.Open(name); err == nil {
			t.Errorf("%s opens", name)
		}
	}
	if _, err := fs.ReadFile(app, "index.html"); err != nil {
		t.Errorf("the app's own files are hidden: %v", err)
	}
}

// TestAppKnowsTheSignatureFonts: the app's static list of fonts
// (web/src/fonts.ts) and its @font-face rules (web/src/style.css) name
// exactly the server's fonts, in the server's order, the default first.
func TestAppKnowsTheSignatureFonts(t *testing.T) {
	list, err := os.ReadFile("../../web/src/fonts.ts")
	if err != nil {
		t.Fatal(err)
	}
	css, err := os.ReadFile("../../web/src/style.css")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range regexp.MustCompile(`\{ id: "([a-z0-9-]+)", name: "[^"]+" \}`).FindAllSubmatch(list, -1) {
		ids = append(ids, string(m[1]))
	}
	if !slices.Equal(ids, sigfont.IDs()) {
		t.Errorf("web/src/fonts.ts lists %v, the server draws %v", ids, sigfont.IDs())
	}
	for _, id := range sigfont.IDs() {
		face := fmt.Sprintf(`@font-face { font-family: "GSign %s"; src: url("/app/%s")`, id, SignatureFontPath(id))
		class := fmt.Sprintf(`.sigfont-%s { font-family: "GSign %s"`, id, id)
		if !bytes.Contains(css, []byte(face)) || !bytes.Contains(css, []byte(class)) {
			t.Errorf("web/src/style.css lacks %s or %s", face, class)
		}
	}
}
