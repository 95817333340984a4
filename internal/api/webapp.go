package api

import (
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// appCSP is the web app's Content-Security-Policy: scripts, styles, fonts
// and pdf.js's worker come only from this origin, with no inline code and
// no eval (pdf.js runs with isEvalSupported false). Images may be data: and
// blob: URLs: signature previews and uploaded signature images.
const appCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// webAppBuildCommand tells how to build the app, on the page shown without it.
const webAppBuildCommand = "cd web && npm ci && npm run build, then rebuild gsign"

// appPrefix is where the app's files are served; Vite builds with this base.
const appPrefix = "/app/"

// appFile serves the built app: hashed assets and the signature fonts for
// a year (a font's id names its exact glyphs: signatures record it, so a
// changed font gets a new id), the service worker, manifest and icons
// revalidated, and index.html (never stored)
// for every other path below /app/, where the app routes by itself.
func (a *api) appFile(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.WebApp == nil {
		return a.appNotBuilt(w)
	}
	name := path.Clean(r.PathValue("path"))
	if name == "." || name == "index.html" || !isAppFile(a.cfg.WebApp, name) {
		return a.appPage(w, r)
	}
	h := w.Header()
	h.Set("Content-Security-Policy", appCSP)
	if strings.HasPrefix(name, "assets/") || strings.HasPrefix(name, "fonts/") {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if ct := appContentType(name); ct != "" {
		h.Set("Content-Type", ct)
	}
	if name == "sw.js" {
		h.Set("Service-Worker-Allowed", appPrefix)
	}
	http.ServeFileFS(w, r, a.cfg.WebApp, name)
	return nil
}

// appPage serves the app's index.html, which routes by its own URL: the
// sender's pages under /app/, the signing page /s/{token}, and /verify.
// Every page is sent with no referrer, so a signing token in the URL
// never leaks to anything the page loads or links to.
func (a *api) appPage(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.WebApp == nil {
		return a.appNotBuilt(w)
	}
	body, err := fs.ReadFile(a.cfg.WebApp, "index.html")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", appCSP)
	w.Header().Set("Referrer-Policy", "no-referrer")
	writeBody(w, http.StatusOK, "text/html; charset=utf-8", body)
	return nil
}

func isAppFile(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}

// appContentType names types the mime package may not know on every system.
func appContentType(name string) string {
	switch path.Ext(name) {
	case ".mjs", ".js":
		return "text/javascript; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	case ".wasm":
		return "application/wasm"
	case ".ttf":
		return "font/ttf"
	}
	return mime.TypeByExtension(path.Ext(name))
}

var notBuiltPage = template.Must(template.New("").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GSign: the web app is not built</title></head>
<body><h1>The web app is not built</h1>
<p>This gsign binary was built without its web app. To build it, run: <code>{{.}}</code>.</p>
<p>The JSON API under <code>/api/v1/</code> works without it.</p></body></html>
`))

// appNotBuilt answers for the app in a binary built without it.
func (a *api) appNotBuilt(w http.ResponseWriter) error {
	var b strings.Builder
	if err := notBuiltPage.Execute(&b, webAppBuildCommand); err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	writeBody(w, http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(b.String()))
	return nil
}

// home sends a visitor of the site's root to the web app (which says how
// to build it when the binary has none).
func (a *api) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/app/", http.StatusFound)
	return nil
}
