package pki

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
)

func TestSelfTestPasses(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, _ KeyAlgorithm, p *PKI, store *blob.Memory) {
		if err := p.SelfTest(t.Context()); err != nil {
			t.Errorf("built-in TSA: %v", err)
		}
		if _, ok := p.Timestamper().(*PKI); !ok {
			t.Errorf("Timestamper is %T without a TSA URL, want the built-in one", p.Timestamper())
		}
		srv := httptest.NewServer(p.TSAHandler())
		defer srv.Close()
		external := openWithTSA(t, store, srv.URL)
		if _, ok := external.Timestamper().(*HTTPTimestamper); !ok {
			t.Errorf("Timestamper is %T with a TSA URL, want *HTTPTimestamper", external.Timestamper())
		}
		if err := external.SelfTest(t.Context()); err != nil {
			t.Errorf("external TSA: %v", err)
		}
	})
}

func TestSelfTestFailsWhenTheTSAFails(t *testing.T) {
	p, store := sharedPKI(t)
	down := httptest.NewServer(p.TSAHandler())
	down.Close()
	tests := []struct {
		name string
		url  string
	}{
		{"down", down.URL},
		{"rejects", replyingTSA(t, http.StatusOK, rejection(t, timestamp.SystemFailure))},
		{"wrong nonce", tamperingTSA(t, p, func(r *tsaRequest) { r.nonce = nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := openWithTSA(t, store, tt.url).SelfTest(t.Context()); err == nil {
				t.Error("SelfTest passed")
			}
		})
	}
}

func TestSelfTestFailsWhenAnotherProcessImports(t *testing.T) {
	stale, store := copyPKI(t)
	fresh, err := Open(t.Context(), testOptions(store))
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0))
	key := newECKey(t)
	data := encodeP12(t, pkcs12.Modern, key, ca.issue(t, key.Public(), nil), ca.cert)
	if _, err := fresh.ImportSealPKCS12(t.Context(), data, p12Password); err != nil {
		t.Fatal(err)
	}
	if err := fresh.SelfTest(t.Context()); err != nil {
		t.Errorf("importing process: %v", err)
	}
	if err := stale.SelfTest(t.Context()); err == nil {
		t.Error("SelfTest of a process with the old seal passed")
	}
}

func TestSelfTestFailsWhenTheGenerationChanges(t *testing.T) {
	p, store := copyPKI(t)
	mustPut(t, store, pointerKey, []byte(`{"v":1,"generation":"other","keyCheck":"AA=="}`))
	if err := p.SelfTest(t.Context()); err == nil {
		t.Error("SelfTest passed although the store has another PKI")
	}
}

// openWithTSA opens the PKI in store (not changing it) with an external TSA.
func openWithTSA(t *testing.T, store esign.Blobs, url string) *PKI {
	t.Helper()
	opts := testOptions(store)
	opts.TSAURL = url
	p, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
