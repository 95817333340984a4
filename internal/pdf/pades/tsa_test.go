package pades

import (
	"context"
	"crypto"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
)

func TestTSAClient(t *testing.T) {
	pki := getPKI(t)
	digest := sha256.Sum256([]byte("signature value"))
	rejection, err := timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		url     string
		wantErr string
	}{
		{name: "granted", handler: pki.tsaServer(t).Config.Handler.ServeHTTP},
		{name: "unreachable", url: closed.URL, wantErr: "connection refused"},
		{name: "server error", wantErr: "HTTP 500", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		}},
		{name: "rejected", wantErr: "rejected", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write(rejection)
		}},
		{name: "garbage", wantErr: "timestamp response", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>proxy login</html>"))
		}},
		{name: "replayed nonce", wantErr: "nonce", handler: func(w http.ResponseWriter, r *http.Request) {
			req := &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Certificates: true}
			der, _ := req.Marshal()
			resp, _ := pki.timestampResponse(der, 0)
			w.Write(resp)
		}},
		{name: "oversized", wantErr: "larger than", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, maxTSAResponse+1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				url = srv.URL
			}
			token, err := (&TSAClient{URL: url}).Timestamp(context.Background(), digest[:], crypto.SHA256)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.wantErr)) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := checkToken(token, digest[:], crypto.SHA256); err != nil {
				t.Errorf("token: %v", err)
			}
		})
	}
}

// fixedTSA answers every request with the same token, made in this
// process or not.
type fixedTSA struct {
	token     []byte
	inProcess bool
}

func (f fixedTSA) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) {
	return f.token, nil
}
func (f fixedTSA) InProcess() bool { return f.inProcess }

// TestCheckTokenFrom: tokens from an outside authority are parsed and
// checked, however they came; those an in-process authority makes are not.
func TestCheckTokenFrom(t *testing.T) {
	digest := sha256.Sum256([]byte("signature value"))
	other := sha256.Sum256([]byte("another value"))
	good, err := (&TSAClient{URL: getPKI(t).tsaServer(t).URL}).Timestamp(t.Context(), digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tsa     Timestamper
		digest  []byte
		wantErr bool
	}{
		{"outside, good", fixedTSA{token: good}, digest[:], false},
		{"outside, over another digest", fixedTSA{token: good}, other[:], true},
		{"outside, garbage", fixedTSA{token: []byte("not a token")}, digest[:], true},
		{"in process", fixedTSA{token: []byte("not a token"), inProcess: true}, digest[:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, _ := tt.tsa.Timestamp(t.Context(), tt.digest, crypto.SHA256)
			if err := checkTokenFrom(tt.tsa, tok, tt.digest, crypto.SHA256); (err != nil) != tt.wantErr {
				t.Fatalf("checkTokenFrom: %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}
