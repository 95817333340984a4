package pades

import "testing"

// The external tests (package pades_test) build their input with other
// packages, such as internal/pdf's Stamper, which this package must not
// import. These give them the test PKI.

// SealForTest seals pdf with the test PKI's RSA seal key and a TSA, and
// returns the sealed file and options that trust the test root.
func SealForTest(t *testing.T, pdf []byte) ([]byte, VerifyOptions) {
	t.Helper()
	pki := getPKI(t)
	return seal(t, pki.sealer(t, false), pdf, testInfo), VerifyOptions{Roots: pki.rootPool}
}

// EvidenceForTest returns a GSign evidence file with an intact audit
// chain, or with one event altered after it was hashed.
func EvidenceForTest(t *testing.T, broken bool) []byte {
	t.Helper()
	return evidenceJSON(t, broken)
}
