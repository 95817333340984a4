package pades

import (
	"bytes"
	"strings"
	"testing"
)

// TestParseSignedCMSIsStrict checks that a CMS whose unsigned parts were
// altered in ways encoding/asn1 alone would let through is refused.
func TestParseSignedCMSIsStrict(t *testing.T) {
	pki := getPKI(t)
	sealed := seal(t, pki.sealer(t, true), pageDoc(1).build(modeTable), testInfo)
	der := lastSignature(t, sealed).cms
	if _, err := parseSignedCMS(der); err != nil {
		t.Fatalf("the seal's own CMS: %v", err)
	}
	idData := oid(oidData)
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   string
	}{
		{"bytes hidden after the last field", func(b []byte) []byte {
			n := int(b[2])<<8 | int(b[3]) + 2
			return append([]byte{b[0], b[1], byte(n >> 8), byte(n)}, append(b[4:], 0, 0)...)
		}, "not DER"},
		{"trailing data", func(b []byte) []byte { return append(b, 0x05, 0x00) }, "not DER"},
		{"digest algorithm not declared", func(b []byte) []byte {
			sha256 := []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
			i := bytes.Index(b, sha256) + len(sha256) - 1 // the first is in digestAlgorithms
			b[i] = 0x02
			return b
		}, "not among the SignedData's"},
		{"signature algorithm of another key type", func(b []byte) []byte {
			ecdsaSHA256 := []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}
			c, _ := parseSignedCMS(b)
			i := bytes.LastIndex(b[:bytes.Index(b, c.signature)], ecdsaSHA256) // the SignerInfo's, just before the signature
			copy(b[i:], []byte{0x2b, 0x65, 0x70})                              // now 1.3.101.112.…, an EdDSA arc
			return b
		}, "does not fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSignedCMS(tt.mutate(bytes.Clone(der)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("encapsulated content type", func(t *testing.T) {
		b := bytes.Clone(der)
		b[bytes.Index(b, idData)+len(idData)-1] = 0x05 // the first id-data is eContentType
		c, err := parseSignedCMS(b)
		if err != nil {
			t.Fatal(err)
		}
		if c.contentType.Equal(oidData) {
			t.Fatal("eContentType not read")
		}
		if err := c.verify(make([]byte, 32)); err == nil {
			t.Fatal("a CMS whose content-type attribute differs from eContentType verified")
		}
	})
}
