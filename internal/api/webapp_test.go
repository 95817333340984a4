package api

import (
	"strings"
	"testing"
	"testing/fstest"
)

// builtApp stands in for a Vite build: the page, a hashed asset, the
// service worker and the manifest.
var builtApp = fstest.MapFS{
	"index.html":           {Data: []byte(`<!doctype html><script type="module" src="/app/assets/index-abc.js"></script>`)},
	"assets/index-abc.js":  {Data: []byte("console.log('app')")},
	"sw.js":                {Data: []byte("self.addEventListener('fetch', () => {})")},
	"manifest.webmanifest": {Data: []byte(`{"name":"GSign"}`)},
	"fonts/caveat.ttf":     {Data: []byte("\x00\x01\x00\x00font")},
}

func withApp(c *Config) { c.WebApp = builtApp }

// TestWebAppServing: what each kind of path answers, with which caching,
// type and security headers.
func TestWebAppServing(t *testing.T) {
	e := newEnv(t, withApp)
	tests := []struct {
		name, path, wantBody, wantType, wantCache string
	}{
		{"app root is the page", "/app/", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
		{"an app route is the page", "/app/envelopes/env_1/edit", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
		{"index.html is the page", "/app/index.html", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
		{"a missing asset is the page, never a directory listing", "/app/assets/", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
		{"hashed assets are immutable", "/app/assets/index-abc.js", "console.log", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"the service worker is revalidated", "/app/sw.js", "self.addEventListener", "text/javascript; charset=utf-8", "no-cache"},
		{"the manifest", "/app/manifest.webmanifest", `"GSign"`, "application/manifest+json", "no-cache"},
		{"a signature font", "/app/fonts/caveat.ttf", "font", "font/ttf", "public, max-age=31536000, immutable"},
		{"the verify page", "/verify", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
		{"a signing link opens the app", "/s/gst_SECRETTOKEN", "<!doctype html>", "text/html; charset=utf-8", "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.expect(e.do(req{method: "GET", path: tt.path}), 200, "")
			h := w.Header()
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body %q lacks %q", w.Body, tt.wantBody)
			}
			if got := h.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if got := h.Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			checkAppHeaders(t, h.Get("Content-Security-Policy"), h.Get("Referrer-Policy"))
		})
	}
	if got := e.do(req{method: "GET", path: "/app/sw.js"}).Header().Get("Service-Worker-Allowed"); got != "/app/" {
		t.Errorf("Service-Worker-Allowed %q, want /app/", got)
	}
}

func checkAppHeaders(t *testing.T, csp, referrer string) {
	t.Helper()
	for _, want := range []string{"script-src 'self';", "default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP allows %q: %s", bad, csp)
		}
	}
	if referrer != "no-referrer" {
		t.Errorf("Referrer-Policy %q, want no-referrer", referrer)
	}
}

// TestWebAppNotBuilt: without a build the app's paths say how to build it,
// and signing links still open the self-contained signing page.
func TestWebAppNotBuilt(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/app/", "/app/envelopes/env_1", "/app/assets/index-abc.js", "/verify"} {
		w := e.expect(e.do(req{method: "GET", path: path}), 503, "")
		if body := w.Body.String(); !strings.Contains(body, "npm ci &amp;&amp; npm run build") || !strings.Contains(body, "not built") {
			t.Errorf("%s: the page does not say how to build the app: %s", path, body)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	w := e.expect(e.do(req{method: "GET", path: "/s/gst_x"}), 200, "")
	if !strings.Contains(w.Body.String(), "<script nonce=") {
		t.Error("without the app, a signing link does not open the self-contained page")
	}
}

// TestRootRedirectsToApp: the site's root sends a browser to the web app
// (TestUnknownRoutesAndMethods checks that other unknown paths stay 404).
func TestRootRedirectsToApp(t *testing.T) {
	e := newEnv(t)
	w := e.expect(e.do(req{method: "GET", path: "/"}), 302, "")
	if loc := w.Header().Get("Location"); loc != "/app/" {
		t.Fatalf("GET / redirects to %q, want /app/", loc)
	}
}
