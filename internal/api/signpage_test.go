package api

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9_-]+)'`)

// TestSigningPage: the page is served with a fresh nonce that its inline
// script and style carry, and the token never passes through the template.
func TestSigningPage(t *testing.T) {
	e := newEnv(t)
	w := e.expect(e.do(req{method: "GET", path: "/s/gst_SECRETTOKEN"}), 200, "")
	csp := w.Header().Get("Content-Security-Policy")
	m := nonceRE.FindAllStringSubmatch(csp, -1)
	if len(m) != 2 || m[0][1] != m[1][1] {
		t.Fatalf("CSP %q lacks a nonce for script and style", csp)
	}
	body := w.Body.String()
	for _, want := range []string{`<script nonce="` + m[0][1] + `">`, `<style nonce="` + m[0][1] + `">`, "history.replaceState", "session_token", "toDataURL", "auth_required", "X-GSign-Recipient-Auth", "/auth/code"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"SECRETTOKEN", "http://", "https://", " style=", " onclick="} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	again := e.do(req{method: "GET", path: "/s/gst_SECRETTOKEN"})
	if again.Header().Get("Content-Security-Policy") == csp {
		t.Error("the nonce did not change between requests")
	}
}

// TestSigningPageScriptParses checks the inline script's syntax with node,
// when it is installed.
func TestSigningPageScriptParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	e := newEnv(t)
	body := e.do(req{method: "GET", path: "/s/gst_x"}).Body.String()
	start := strings.Index(body, "<script")
	start += strings.Index(body[start:], ">") + 1
	end := strings.Index(body, "</script>")
	file := filepath.Join(t.TempDir(), "sign.js")
	if err := os.WriteFile(file, []byte(body[start:end]), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
		t.Fatalf("the signing page's script does not parse: %v\n%s", err, out)
	}
}
