package pki

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

func TestBERToDER(t *testing.T) {
	long := strings.Repeat("ab", 200)
	tests := []struct {
		name     string
		ber, der string // hex
	}{
		{"DER unchanged", "300602010502012a", "300602010502012a"},
		{"indefinite sequence", "3080020105" + "0000", "3003020105"},
		{"nested indefinite", "30803080020105" + "0000" + "0000", "30053003020105"},
		{"segmented octet string", "2480" + "0402aabb" + "0401cc" + "0000", "0403aabbcc"},
		{"segmented with definite length", "2407" + "0402aabb" + "0401cc", "0403aabbcc"},
		{"segments inside a sequence", "3080" + "2480" + "0401aa" + "0000" + "0000", "30030401aa"},
		{"non-minimal length", "048102aabb", "0402aabb"},
		{"long content", "0482" + "00c8" + long, "0481c8" + long},
		{"high tag number", "9f8100" + "01" + "ff", "9f810001ff"},
		{"context tag kept constructed", "a080" + "0401aa" + "0000", "a0030401aa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ber, want := mustHex(t, tt.ber), mustHex(t, tt.der)
			got, err := berToDER(ber)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("berToDER(%s) = %x, want %x", tt.ber, got, want)
			}
		})
	}
}

func TestBERToDERRefuses(t *testing.T) {
	tests := []struct {
		name string
		ber  []byte
	}{
		{"empty", nil},
		{"truncated", mustHex(t, "3005020105")},
		{"indefinite primitive", mustHex(t, "0480aa0000")},
		{"no end of contents", mustHex(t, "3080020105")},
		{"trailing data", mustHex(t, "02010500")},
		{"child overruns parent", mustHex(t, "3002020105")},
		{"length of length too big", mustHex(t, "0485ffffffffff")},
		{"too deep", bytes.Repeat([]byte{0x30, 0x80}, maxBERDepth+2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := berToDER(tt.ber); err == nil {
				t.Errorf("berToDER(%x) = %x, want an error", tt.ber, got)
			}
		})
	}
}

// The BER case of TestImportSealPKCS12 only means something if go-pkcs12
// cannot read such files by itself and the conversion restores the DER.
func TestBERPKCS12NeedsConversion(t *testing.T) {
	ca := newTestCA(t, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0))
	key := newECKey(t)
	der := encodeP12(t, pkcs12.Legacy, key, ca.issue(t, key.Public(), nil), ca.cert)
	ber := toBER(t, der)
	if _, _, _, err := pkcs12.DecodeChain(ber, p12Password); err == nil {
		t.Fatal("go-pkcs12 reads BER itself; the BER test proves nothing")
	}
	got, err := berToDER(ber)
	if err != nil || !bytes.Equal(got, der) {
		t.Errorf("berToDER did not restore the DER: %v", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
