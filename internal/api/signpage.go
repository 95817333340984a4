package api

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
)

// signPageFS holds the signing page: one self-contained HTML file with its
// script and styles inline, no external assets and no build step.
//
//go:embed signpage/sign.html
var signPageFS embed.FS

var signPage = template.Must(template.ParseFS(signPageFS, "signpage/sign.html"))

// signingPage serves the page behind a signing link: the web app's signing
// page when the app is built, the self-contained page otherwise. Either
// reads the token from its own URL and drives the signing API with it, so
// the token never passes through a template.
func (a *api) signingPage(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.WebApp != nil {
		return a.appPage(w, r)
	}
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := signPage.Execute(&buf, struct{ Nonce string }{nonce}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; "+
		"img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	// Referrer-Policy no-referrer (set for every response) keeps the token
	// in this page's URL from leaking to anything it links to.
	writeBody(w, http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

func newNonce() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
