package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// fakeIDV is an identity verification provider played by the test over
// real HTTP: its start page posts the signed result it is told to give
// to GSign's callback, then sends the browser back to return_url.
type fakeIDV struct {
	t       *testing.T
	secret  []byte
	gsign   string // GSign's base URL
	clock   esign.Clock
	mu      sync.Mutex
	outcome string
	status  int    // GSign's answer to the last callback
	body    []byte // the last callback, to replay
	sig     string
}

func (p *fakeIDV) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	body, _ := json.Marshal(esign.IDVResult{State: r.URL.Query().Get("state"), Outcome: p.outcome, Reference: "REF-1", Method: "kba"})
	p.body, p.sig = body, esign.SignIDVCallback(p.secret, p.clock.Now(), body)
	p.status = p.post(body, p.sig)
	http.Redirect(w, r, r.URL.Query().Get("return_url"), http.StatusFound)
}

// post sends a callback and returns GSign's status.
func (p *fakeIDV) post(body []byte, sig string) int {
	rq, _ := http.NewRequest("POST", p.gsign+"/api/v1/idv/callback", bytes.NewReader(body))
	rq.Header.Set("Content-Type", "application/json")
	rq.Header.Set("X-GSign-IDV-Signature", sig)
	resp, err := http.DefaultClient.Do(rq)
	if err != nil {
		p.t.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (p *fakeIDV) setOutcome(o string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outcome = o
}

func (p *fakeIDV) last() (status int, body []byte, sig string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.body, p.sig
}

// idvSetup serves e over real HTTP with a fake provider configured.
func idvSetup(t *testing.T) (*env, *fakeIDV, *httptest.Server) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	p := &fakeIDV{t: t, secret: []byte(strings.Repeat("k", 32)), gsign: srv.URL, clock: e.clock, outcome: "passed"}
	prov := httptest.NewServer(p)
	t.Cleanup(prov.Close)
	e.svc.Config.PublicURL, e.svc.Config.IDVURL, e.svc.Config.IDVSecret = srv.URL, prov.URL+"/start", p.secret
	return e, p, srv
}

// browser is a client with a cookie jar, as a recipient's browser.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func call(t *testing.T, c *http.Client, method, u, body string) (int, []byte) {
	t.Helper()
	rq, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		rq.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// TestIDVOverHTTP: the recipient's browser starts a verification, goes to
// the provider, which reports a pass to the callback and sends it back;
// the browser's cookie then opens the documents. A replayed, forged or
// late callback is refused, a failed one opens nothing, and the
// provider's method and reference reach the recipient's record.
func TestIDVOverHTTP(t *testing.T) {
	e, prov, srv := idvSetup(t)
	sender := e.register("olive@example.com")
	ana := e.sendWithAuth(sender, map[string]any{"auth": "idv"})
	b := browser(t)
	api := srv.URL + ana.path("")

	status, body := call(t, b, "POST", api+"/auth/idv", "")
	if status != 200 {
		t.Fatalf("start idv: %d %s", status, body)
	}
	var st idvStartResponse
	_ = json.Unmarshal(body, &st)
	if status, _ := call(t, b, "GET", api+"/documents/"+ana.docID, ""); status != 401 {
		t.Errorf("documents before the provider's result: %d, want 401", status)
	}
	resp, err := b.Get(st.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cb, _, _ := prov.last(); cb != 200 || resp.Request.URL.Path != "/s/"+ana.link {
		t.Fatalf("callback answered %d; the browser ended at %s", cb, resp.Request.URL.Path)
	}
	if status, _ := call(t, b, "GET", api+"/documents/"+ana.docID, ""); status != 200 {
		t.Fatalf("documents after a pass: %d", status)
	}
	for _, q := range [][2]string{{"/fields/" + ana.sig.ID, `{"signature": {"kind": "typed", "text": "Ana"}}`}, {"/complete", "{}"}} {
		if status, body := call(t, b, "POST", api+q[0], q[1]); status != 200 {
			t.Fatalf("%s: %d %s", q[0], status, body)
		}
	}
	if r := ana.recipient(); r.AuthUsed != "idv" || r.AuthDetail != "kba, reference REF-1" {
		t.Errorf("recorded %q %q", r.AuthUsed, r.AuthDetail)
	}

	_, good, sig := prov.last()
	other := []byte(strings.Repeat("x", 32))
	for name, cb := range map[string]struct {
		body []byte
		sig  string
	}{
		"replayed":       {good, sig},
		"forged body":    {bytes.Replace(good, []byte("REF-1"), []byte("REF-2"), 1), sig},
		"other secret":   {good, esign.SignIDVCallback(other, e.clock.Now(), good)},
		"stale":          {good, esign.SignIDVCallback(prov.secret, e.clock.Now().Add(-10*time.Minute), good)},
		"no signature":   {good, ""},
		"unsigned state": {[]byte(`{"state":"e30.AAAA","outcome":"passed","reference":"R"}`), ""},
	} {
		if cb.sig == "" {
			cb.sig = esign.SignIDVCallback(prov.secret, e.clock.Now(), cb.body)
			if name == "no signature" {
				cb.sig = ""
			}
		}
		if got := prov.post(cb.body, cb.sig); got != 401 {
			t.Errorf("%s callback: %d, want 401", name, got)
		}
	}
}

// TestIDVFailedAndExpired: a failed result opens nothing and is audited;
// a result after the state's 30 minutes is refused.
func TestIDVFailedAndExpired(t *testing.T) {
	e, prov, srv := idvSetup(t)
	ana := e.sendWithAuth(e.register("olive@example.com"), map[string]any{"auth": "idv"})
	b := browser(t)
	api := srv.URL + ana.path("")
	start := func() idvStartResponse {
		status, body := call(t, b, "POST", api+"/auth/idv", "")
		if status != 200 {
			t.Fatalf("start idv: %d %s", status, body)
		}
		var st idvStartResponse
		_ = json.Unmarshal(body, &st)
		return st
	}

	prov.setOutcome("failed")
	resp, err := b.Get(start().RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cb, _, _ := prov.last(); cb != 200 {
		t.Fatalf("failed result: callback answered %d", cb)
	}
	if status, _ := call(t, b, "GET", api+"/documents/"+ana.docID, ""); status != 401 {
		t.Errorf("documents after a failed verification: %d, want 401", status)
	}
	audit := e.do(req{method: "GET", path: "/api/v1/envelopes/" + ana.id + "/audit", token: ana.sender}).Body.String()
	if !strings.Contains(audit, `"outcome":"failed"`) || !strings.Contains(audit, `"provider_reference":"REF-1"`) {
		t.Errorf("the failed verification is not audited with its reference: %s", audit)
	}

	e.clock.Advance(time.Minute)
	st := start()
	e.clock.Advance(esign.IDVStateTTL + time.Second)
	u, _ := url.Parse(st.RedirectURL)
	body, _ := json.Marshal(esign.IDVResult{State: u.Query().Get("state"), Outcome: "passed", Reference: "late"})
	if got := prov.post(body, esign.SignIDVCallback(prov.secret, e.clock.Now(), body)); got != 401 {
		t.Errorf("a result after the state expired: %d, want 401", got)
	}
}
