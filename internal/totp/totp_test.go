package totp

import (
	"bytes"
	"image/png"
	"net/url"
	"testing"
	"time"
)

// TestGenerateAndMatch: a generated key has a usable URI and QR code, and
// a code matches at its own step and one either side, never further.
func TestGenerateAndMatch(t *testing.T) {
	a := Authenticator{}
	k, err := a.Generate("GSign", "olive@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(k.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != k.Secret || u.Query().Get("issuer") != "GSign" {
		t.Fatalf("URI %q", k.URI)
	}
	img, err := png.Decode(bytes.NewReader(k.QRPNG))
	if err != nil || img.Bounds().Dx() != qrSize {
		t.Fatalf("QR code: %v", err)
	}
	at := time.Date(2026, 5, 1, 9, 0, 15, 0, time.UTC)
	code, err := Code(k.Secret, at)
	if err != nil {
		t.Fatal(err)
	}
	step := at.Unix() / period
	tests := []struct {
		name   string
		code   string
		when   time.Time
		want   bool
		wantAt int64
	}{
		{"same step", code, at, true, step},
		{"one step later", code, at.Add(30 * time.Second), true, step},
		{"one step earlier", code, at.Add(-30 * time.Second), true, step},
		{"two steps later", code, at.Add(60 * time.Second), false, 0},
		{"wrong code", flip(code), at, false, 0},
		{"too short", code[:5], at, false, 0},
		{"empty", "", at, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := a.Match(k.Secret, tt.code, tt.when)
			if ok != tt.want || got != tt.wantAt {
				t.Fatalf("Match = %d, %v; want %d, %v", got, ok, tt.wantAt, tt.want)
			}
		})
	}
}

// flip changes the last digit of a code.
func flip(code string) string {
	b := []byte(code)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return string(b)
}
