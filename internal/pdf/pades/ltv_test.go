package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// ltvCRL is a CRL of the test root listing the given serials.
func (p *testPKI) ltvCRL(t testing.TB, revoked ...*big.Int) []byte {
	t.Helper()
	now := time.Now()
	tmpl := &x509.RevocationList{Number: big.NewInt(now.UnixNano()), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(7 * 24 * time.Hour)}
	for _, s := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.root, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ltvSealer is the RSA or ECDSA test sealer at level, with crl as its
// revocation data.
func (p *testPKI) ltvSealer(t testing.TB, ecdsaKey bool, level Level, crl []byte) *Sealer {
	t.Helper()
	s := p.sealer(t, ecdsaKey)
	s.Level = level
	s.Revocation = func(context.Context) ([][]byte, error) { return [][]byte{crl}, nil }
	return s
}

// levelField is a signature field and its value dictionary.
type levelField struct {
	name string
	v    Dict
}

// levelFields lists the signature fields of pdf in /Fields order.
func levelFields(t *testing.T, pdf []byte) []levelField {
	t.Helper()
	r := open(t, pdf)
	_, cat, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	form, err := r.ResolveDict(cat.Get("AcroForm"))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := r.resolveArray(form.Get("Fields"))
	if err != nil {
		t.Fatal(err)
	}
	var out []levelField
	for _, f := range fields {
		d, err := r.ResolveDict(f)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name("FT") != "Sig" {
			continue
		}
		v, err := r.ResolveDict(d.Get("V"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, levelField{decodeText(d.Get("T").(String)), v})
	}
	return out
}

func TestSealLevels(t *testing.T) {
	pki := getPKI(t)
	crl := pki.ltvCRL(t)
	tests := []struct {
		mode  xrefMode
		level Level
		hash  crypto.Hash
	}{
		{modeTable, "", 0}, {modeStream, LevelBT, 0},
		{modeTable, LevelBLT, 0}, {modeStream, LevelBLT, 0}, {modeHybrid, LevelBLT, 0},
		{modeTable, LevelBLTA, 0}, {modeStream, LevelBLTA, 0}, {modeHybrid, LevelBLTA, 0},
		{modeStream, LevelBLTA, crypto.SHA384},
	}
	for _, key := range []string{"rsa", "ecdsa"} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s/%q/%v", key, tt.mode, tt.level, tt.hash), func(t *testing.T) {
				checkSealLevel(t, pki.ltvSealer(t, key == "ecdsa", tt.level, crl), tt.mode, tt.level, tt.hash, crl)
			})
		}
	}
}

// checkSealLevel seals a two-page document with s at level and checks
// every part the level adds, with Go, pdfsig, qpdf and openssl.
func checkSealLevel(t *testing.T, s *Sealer, mode xrefMode, level Level, hash crypto.Hash, crl []byte) {
	t.Helper()
	pki := getPKI(t)
	s.Hash = hash
	orig := pageDoc(2).build(mode)
	sealed := seal(t, s, orig, testInfo)
	if !bytes.HasPrefix(sealed, orig) {
		t.Fatal("the original is not a byte-exact prefix of the sealed file")
	}
	fields := levelFields(t, sealed)
	wantFields := map[Level]int{"": 1, LevelBT: 1, LevelBLT: 1, LevelBLTA: 2}[level]
	if len(fields) != wantFields {
		t.Fatalf("%d signature fields, want %d", len(fields), wantFields)
	}
	sig := parseSignature(t, sealed, fields[0].name, fields[0].v)
	inspectCMS(t, sig, pki)
	checkLevelRevisions(t, sealed, len(orig), sig, level)
	if level == LevelBLT || level == LevelBLTA {
		checkSealDSS(t, sealed, []byte(sig.dict.Get("Contents").(String)), crl, s.Chain[0], pki.root, pki.tsaCert)
	}
	if level == LevelBLTA {
		checkSealedDocTimestamp(t, sealed, fields[1].v, s.Hash)
	}
	checkPdfsigLevel(t, sealed, level)
	qpdfCheck(t, sealed)
}

// checkLevelRevisions checks that each level adds its own revision: one
// for B-T, two for B-LT, three for B-LTA, and that the seal covers exactly
// the first of them.
func checkLevelRevisions(t *testing.T, pdf []byte, origSize int, sig signature, level Level) {
	t.Helper()
	r := open(t, pdf)
	updates := map[Level]int{"": 1, LevelBT: 1, LevelBLT: 2, LevelBLTA: 3}[level]
	secs := r.Sections()
	if len(secs) != updates+1 {
		t.Fatalf("%d revisions, want %d", len(secs), updates+1)
	}
	sealEnd, err := r.RevisionEnd(secs[len(secs)-2])
	if err != nil {
		t.Fatal(err)
	}
	if got := sig.byteRange[2] + sig.byteRange[3]; got != sealEnd || sig.byteRange[0] != 0 {
		t.Errorf("seal ByteRange %v ends at %d, want the end of its revision %d", sig.byteRange, got, sealEnd)
	}
	if last, _ := r.RevisionEnd(secs[0]); last != int64(len(pdf)) {
		t.Errorf("newest revision ends at %d, file is %d bytes", last, len(pdf))
	}
	if oldest, _ := r.RevisionEnd(secs[len(secs)-1]); oldest != int64(origSize) {
		t.Errorf("original revision ends at %d, want %d", oldest, origSize)
	}
}

// checkPdfsigLevel checks poppler's verdict. Every signature it can
// validate is valid; then, by level:
//
//   - B-T: the seal covers the total document.
//   - B-LT: the seal reads "Not total document signed". poppler calls a
//     signature total only when its ByteRange ends at the end of the file,
//     and the DSS update comes after the seal by design: it holds the TSA
//     certificates of the seal's own timestamp and a /VRI entry keyed by
//     the hash of the finished signature, so it cannot be signed by it.
//     PAdES validators accept a later update that only adds a DSS; poppler
//     does not look at what the update changed.
//   - B-LTA: the seal is valid and not total (as for B-LT); the document
//     timestamp covers the total document. poppler 22.12 does not
//     implement /ETSI.RFC3161: it prints "Signature Type: unknown" and
//     "Signature has not yet been verified." (and "Unimplemented Feature"
//     on stderr), so a valid verdict is accepted but not required, and the
//     token is verified by checkSealedDocTimestamp (Go and openssl) instead.
func checkPdfsigLevel(t *testing.T, pdf []byte, level Level) {
	t.Helper()
	reports, out := pdfsig(t, pdf)
	want := map[Level]int{"": 1, LevelBT: 1, LevelBLT: 1, LevelBLTA: 2}[level]
	if len(reports) != want {
		t.Fatalf("pdfsig found %d signatures, want %d:\n%s", len(reports), want, out)
	}
	seal := reports[0]
	if !seal.valid {
		t.Errorf("the seal is not valid:\n%s", out)
	}
	switch level {
	case "", LevelBT:
		if !seal.total {
			t.Errorf("the seal does not cover the total document:\n%s", out)
		}
	case LevelBLT, LevelBLTA:
		if seal.total || !strings.Contains(seal.text, "Not total document signed") {
			t.Errorf("pdfsig should report the seal as not total (a DSS update follows it):\n%s", out)
		}
	}
	if level != LevelBLTA {
		return
	}
	ts := reports[1]
	if !ts.total {
		t.Errorf("the document timestamp does not cover the total document:\n%s", out)
	}
	unsupported := strings.Contains(ts.text, "Signature has not yet been verified.")
	if !ts.valid && !unsupported {
		t.Errorf("pdfsig rejects the document timestamp:\n%s", out)
	}
}

// checkSealDSS checks the document security store: the certificates and the
// CRL as streams, and a /VRI entry keyed by the uppercase hex SHA-1 of the
// seal's /Contents that lists them.
func checkSealDSS(t *testing.T, pdf, sealContents, crl []byte, wantCerts ...*x509.Certificate) {
	t.Helper()
	r := open(t, pdf)
	_, cat, err := r.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	dss, err := r.ResolveDict(cat.Get("DSS"))
	if err != nil || dss == nil {
		t.Fatalf("catalog /DSS: %v, %v", dss, err)
	}
	certs := dssStreams(t, r, dss.Get("Certs"))
	for _, want := range wantCerts {
		if !slices.ContainsFunc(certs, func(b []byte) bool { return bytes.Equal(b, want.Raw) }) {
			t.Errorf("DSS /Certs lacks %q", want.Subject.CommonName)
		}
	}
	for _, der := range certs {
		if _, err := x509.ParseCertificate(der); err != nil {
			t.Errorf("DSS certificate: %v", err)
		}
	}
	crls := dssStreams(t, r, dss.Get("CRLs"))
	if !slices.ContainsFunc(crls, func(b []byte) bool { return bytes.Equal(b, crl) }) {
		t.Error("DSS /CRLs lacks the CRL")
	}
	vri, err := r.ResolveDict(dss.Get("VRI"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(sealContents)
	key := Name(strings.ToUpper(hex.EncodeToString(sum[:])))
	entry, err := r.ResolveDict(vri.Get(key))
	if err != nil || entry == nil {
		t.Fatalf("no /VRI entry %s (have %v)", key, vri)
	}
	if got := dssStreams(t, r, entry.Get("Cert")); len(got) != len(certs) {
		t.Errorf("VRI /Cert lists %d certificates, DSS has %d", len(got), len(certs))
	}
	if got := dssStreams(t, r, entry.Get("CRL")); len(got) != 1 || !bytes.Equal(got[0], crl) {
		t.Error("VRI /CRL does not list the CRL")
	}
	if _, ok := entry.Get("TU").(String); !ok {
		t.Error("VRI entry has no /TU")
	}
}

// dssStreams reads the decoded data of every stream in the array o.
func dssStreams(t *testing.T, r *Reader, o Object) [][]byte {
	t.Helper()
	refs, err := r.resolveArray(o)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, ref := range refs {
		obj, err := r.Resolve(ref)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := obj.(*Stream)
		if !ok {
			t.Fatalf("%v is a %s, not a stream", ref, typeName(obj))
		}
		data, err := r.StreamData(s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
