package cli

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/ssotest"
	"github.com/gsign/gsign/internal/webapp"
)

// TestWebAppInChromium runs web/e2e/run.mjs: playwright-core drives Debian's
// Chromium through the web app against a real `gsign serve` (a sender
// registers, sends to two signers who sign by drawing on a phone and by
// typing, downloads and verifies the result; a decline; markup in every
// input never runs; an admin sets up SSO and a user signs in with it). It needs Node, web/node_modules and a built app, so it
// runs only when GSIGN_TEST_BROWSER names the browser; .ci/run sets it.
func TestWebAppInChromium(t *testing.T) {
	browser := os.Getenv("GSIGN_TEST_BROWSER")
	if browser == "" {
		t.Skip("set GSIGN_TEST_BROWSER=/usr/bin/chromium, after cd web && npm ci && npm run build, to run the browser tests")
	}
	webDir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if webapp.Dist() == nil {
		t.Fatal("GSIGN_TEST_BROWSER is set but the web app is not built: cd web && npm ci && npm run build")
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core")); err != nil {
		t.Fatal("GSIGN_TEST_BROWSER is set but web/node_modules is missing: cd web && npm ci")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("GSIGN_TEST_BROWSER is set but node is not installed")
	}
	data, files := t.TempDir(), t.TempDir()
	sso := startSSOFixtures(t)
	// Every page of the suite signs in from 127.0.0.1, far more often than
	// one person would: the sign-in limit per address (10 a minute) would
	// refuse the later tests. The limit has its own tests.
	env := append([]string{"GSIGN_RATE_LIMITS=auth=600"}, sso.serverEnv...)
	_, url := startProcEnv(t, data, env, "--addr", sso.addr)
	shots := screenshotDir(t)
	short, long := filepath.Join(files, "lease.pdf"), filepath.Join(files, "long.pdf")
	writeFile(t, short, esigntest.PDF(2, 612, 792))
	writeFile(t, long, esigntest.PDF(100, 612, 792))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "run.mjs"))
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "GSIGN_E2E_URL="+url, "GSIGN_E2E_MAIL="+filepath.Join(data, "mail"),
		"GSIGN_E2E_PDF="+short, "GSIGN_E2E_PDF_LONG="+long, "GSIGN_E2E_SCREENSHOTS="+shots, "GSIGN_TEST_BROWSER="+browser)
	cmd.Env = append(cmd.Env, sso.scriptEnv...)
	out, err := cmd.CombinedOutput()
	t.Logf("web app end-to-end tests (screenshots in %s):\n%s", shots, out)
	if err != nil {
		t.Fatalf("web/e2e/run.mjs failed: %v", err)
	}
}

// ssoFixtures are what web/e2e/sso.mjs signs in with: an OpenID provider,
// a DNS server that verifies domains, and a URL that publishes TXT records
// in it.
type ssoFixtures struct {
	addr                 string // the address gsign must listen on, for its public URL
	serverEnv, scriptEnv []string
}

func startSSOFixtures(t *testing.T) ssoFixtures {
	idp := ssotest.NewProvider(t, "gsign-e2e", "e2e-client-secret", time.Now)
	idp.SignIn(ssotest.User{Subject: "sub-sam", Email: "sam@sso.example", EmailVerified: true, Name: "Sam Single"})
	dns := ssotest.NewDNS(t)
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dns.SetTXT(r.FormValue("name"), r.FormValue("value"))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(control.Close)
	// The provider redirects to the public URL, so gsign listens on a port
	// chosen here rather than on port 0.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return ssoFixtures{addr: addr,
		serverEnv: []string{"GSIGN_PUBLIC_URL=http://" + addr, "GSIGN_SSO_DNS_SERVER=" + dns.Addr, "GSIGN_SSO_ALLOW_NETS=127.0.0.0/8"},
		scriptEnv: []string{"GSIGN_E2E_IDP=" + idp.Issuer, "GSIGN_E2E_IDP_CLIENT=" + idp.ClientID,
			"GSIGN_E2E_IDP_SECRET=" + idp.ClientSecret, "GSIGN_E2E_DNS_CONTROL=" + control.URL}}
}

// screenshotDir is GSIGN_E2E_SCREENSHOTS, or a new folder that outlives the
// test so a person can look at the steps afterwards.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("GSIGN_E2E_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir, err := os.MkdirTemp("", "gsign-web-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
