package webapp

import (
	"io/fs"
	"strings"
	"testing"
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
