package pades

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/gsign/gsign/internal/esign"
)

// checkSealedDocTimestamp checks a document timestamp dictionary: its entries,
// a ByteRange over the whole file but the /Contents string, and a token
// from the test TSA whose imprint is the hash of those bytes. openssl
// verifies the token too, independently of this package and of Go.
func checkSealedDocTimestamp(t *testing.T, pdf []byte, d Dict, h crypto.Hash) {
	t.Helper()
	for key, want := range map[Name]Name{"Type": "DocTimeStamp", "Filter": "Adobe.PPKLite", "SubFilter": "ETSI.RFC3161"} {
		if got := d.Name(key); got != want {
			t.Errorf("document timestamp /%s = /%s, want /%s", key, got, want)
		}
	}
	br, _ := d.Get("ByteRange").(Array)
	if len(br) != 4 {
		t.Fatalf("document timestamp /ByteRange = %v", d.Get("ByteRange"))
	}
	var b [4]int64
	for i, v := range br {
		b[i] = int64(v.(Integer))
	}
	if b[0] != 0 || b[2]+b[3] != int64(len(pdf)) {
		t.Errorf("document timestamp ByteRange %v does not cover the file of %d bytes", b, len(pdf))
	}
	if hole := pdf[b[1]:b[2]]; hole[0] != '<' || hole[len(hole)-1] != '>' {
		t.Error("the ByteRange gap is not exactly the /Contents string")
	}
	signed := append(bytes.Clone(pdf[:b[1]]), pdf[b[2]:b[2]+b[3]]...)
	var raw asn1.RawValue
	contents, _ := d.Get("Contents").(String)
	if _, err := asn1.Unmarshal([]byte(contents), &raw); err != nil {
		t.Fatalf("parse document timestamp /Contents: %v", err)
	}
	token := raw.FullBytes
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatalf("parse document timestamp token: %v", err)
	}
	if h == 0 {
		h = crypto.SHA256
	}
	sum := h.New()
	sum.Write(signed)
	if ts.HashAlgorithm != h || !bytes.Equal(ts.HashedMessage, sum.Sum(nil)) {
		t.Errorf("the token's imprint (%v) is not the %v of the ByteRange", ts.HashAlgorithm, h)
	}
	pki := getPKI(t)
	p7, err := pkcs7.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if err := p7.VerifyWithChain(pki.rootPool); err != nil {
		t.Errorf("verify document timestamp token: %v", err)
	}
	opensslVerifyToken(t, token, signed, pki)
}

// opensslVerifyToken runs openssl ts -verify on token over data, with the
// test root as the only trust anchor.
func opensslVerifyToken(t *testing.T, token, data []byte, pki *testPKI) {
	t.Helper()
	requireTool(t, "openssl")
	root := writeFile(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.root.Raw}))
	tok := writeFile(t, "token.der", token)
	dataPath := writeFile(t, "data", data)
	out, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", tok, "-data", dataPath, "-CAfile", root).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Errorf("openssl ts -verify: %v\n%s", err, out)
	}
}

// tsaFailingAfter grants ok timestamps, then fails like an unreachable TSA.
type tsaFailingAfter struct {
	localTSA
	ok, calls int
}

func (f *tsaFailingAfter) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	f.calls++
	if f.calls > f.ok {
		return nil, errors.New("dial tcp 127.0.0.1:9: connection refused")
	}
	return f.localTSA.Timestamp(ctx, digest, h)
}

func TestSealLTAFailsWithoutDocumentTimestamp(t *testing.T) {
	pki := getPKI(t)
	tsa := &tsaFailingAfter{localTSA: localTSA{pki: pki}, ok: 1}
	s := pki.ltvSealer(t, false, LevelBLTA, pki.ltvCRL(t))
	s.TSA = tsa
	var out bytes.Buffer
	err := s.Seal(context.Background(), bytes.NewReader(pageDoc(1).build(modeTable)), &out, testInfo)
	if err == nil || !strings.Contains(err.Error(), "document timestamp") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Seal error = %v, want the document timestamp's TSA error", err)
	}
	if esign.ErrorKind(err) != esign.KindInternal {
		t.Errorf("a TSA failure must be retryable (internal), got kind %q", esign.ErrorKind(err))
	}
	if tsa.calls != 2 {
		t.Errorf("TSA called %d times, want 2 (seal, then document timestamp)", tsa.calls)
	}
	if bytes.Contains(out.Bytes(), []byte("/ETSI.RFC3161")) {
		t.Error("Seal wrote a document timestamp although the TSA failed")
	}
}

func TestSealLevelConfiguration(t *testing.T) {
	pki := getPKI(t)
	crl := pki.ltvCRL(t)
	revokedSeal := pki.ltvCRL(t, pki.rsaSeal.SerialNumber)
	revokedTSA := pki.ltvCRL(t, pki.tsaCert.SerialNumber)
	fetchFails := func(context.Context) ([][]byte, error) { return nil, errors.New("crl store unavailable") }
	tests := []struct {
		name       string
		level      Level
		revocation func(context.Context) ([][]byte, error)
		wantErr    string
		wantOutput bool // the TSA is reached: the original and the seal are written
	}{
		{name: "unknown level", level: "B-B", revocation: fixedCRLs(crl), wantErr: "unknown PAdES level"},
		{name: "B-LT without revocation", level: LevelBLT, wantErr: "needs a Revocation"},
		{name: "revocation fails", level: LevelBLTA, revocation: fetchFails, wantErr: "crl store unavailable"},
		{name: "no CRLs", level: LevelBLT, revocation: fixedCRLs(), wantErr: "at least one CRL"},
		{name: "not a CRL", level: LevelBLT, revocation: fixedCRLs([]byte("garbage")), wantErr: "CRL 1"},
		{name: "seal certificate revoked", level: LevelBLT, revocation: fixedCRLs(revokedSeal), wantErr: "is revoked"},
		{name: "TSA certificate revoked", level: LevelBLT, revocation: fixedCRLs(revokedTSA), wantErr: "timestamp authority", wantOutput: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pki.sealer(t, false)
			s.Level, s.Revocation = tt.level, tt.revocation
			var out bytes.Buffer
			err := s.Seal(context.Background(), bytes.NewReader(pageDoc(1).build(modeTable)), &out, testInfo)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Seal error = %v, want one containing %q", err, tt.wantErr)
			}
			if !tt.wantOutput && out.Len() != 0 {
				t.Errorf("Seal wrote %d bytes before failing", out.Len())
			}
			if bytes.Contains(out.Bytes(), []byte("/DSS")) {
				t.Error("Seal wrote a DSS although it failed")
			}
		})
	}
}

func fixedCRLs(crls ...[]byte) func(context.Context) ([][]byte, error) {
	return func(context.Context) ([][]byte, error) { return crls, nil }
}

// TestSealLTATwice seals a B-LTA document again at B-LTA: the second DSS
// keeps the first one's entries, and the last timestamp covers everything.
func TestSealLTATwice(t *testing.T) {
	pki := getPKI(t)
	crl := pki.ltvCRL(t)
	orig := pageDoc(1).build(modeStream)
	once := seal(t, pki.ltvSealer(t, false, LevelBLTA, crl), orig, testInfo)
	twice := seal(t, pki.ltvSealer(t, false, LevelBLTA, crl), once, testInfo)
	if !bytes.HasPrefix(twice, once) {
		t.Fatal("the first sealed file is not a prefix of the second")
	}
	fields := levelFields(t, twice)
	var names []string
	for _, f := range fields {
		names = append(names, f.name)
	}
	want := []string{"GSign Seal", "GSign Seal timestamp", "GSign Seal_2", "GSign Seal_2 timestamp"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("fields = %q, want %q", names, want)
	}
	for _, i := range []int{0, 2} {
		contents := []byte(fields[i].v.Get("Contents").(String))
		checkSealDSS(t, twice, contents, crl, pki.rsaSeal, pki.root, pki.tsaCert)
	}
	checkSealedDocTimestamp(t, twice, fields[3].v, 0)
	reports, out := pdfsig(t, twice)
	if len(reports) != 4 || !reports[0].valid || !reports[2].valid || !reports[3].total {
		t.Errorf("pdfsig:\n%s", out)
	}
	qpdfCheck(t, twice)
}

// TestSealLTAMemory checks that sealing at B-LTA allocates about the same
// for a large document as for a small one: the document is streamed, and
// the validation data and timestamp updates never reread it. The little
// growth there is comes from the generated document's flat page tree, one
// /Kids array of every page, which each update's plan parses; a copy of
// the document would add 22 MB.
func TestSealLTAMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 24 MB document")
	}
	pki := getPKI(t)
	s := pki.ltvSealer(t, false, LevelBLTA, pki.ltvCRL(t))
	s.TSA = localTSA{pki: pki}
	var allocs []uint64
	for _, size := range []int{2 << 20, 24 << 20} {
		path := filepath.Join(t.TempDir(), "big.pdf")
		if err := writeBigPDF(path, size, modeStream); err != nil {
			t.Fatal(err)
		}
		allocs = append(allocs, allocatedBySeal(t, s, path))
	}
	t.Logf("allocated %d bytes sealing 2 MB, %d sealing 24 MB", allocs[0], allocs[1])
	if growth := int64(allocs[1]) - int64(allocs[0]); growth > 2<<20 {
		t.Errorf("sealing 22 MB more allocated %d bytes more (%d vs %d)", growth, allocs[1], allocs[0])
	}
}

// allocatedBySeal returns the bytes allocated while sealing the file at
// path to a writer that keeps nothing.
func allocatedBySeal(t *testing.T, s *Sealer, path string) uint64 {
	t.Helper()
	in := openForSeal(t, path)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.Seal(context.Background(), in, discardWriter{}, testInfo); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func openForSeal(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// discardWriter is io.Discard without its ReaderFrom, which would change
// how the copy allocates.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// growingTSA grants small tokens at first and large ones from call
// small+1 on.
type growingTSA struct {
	pki          *testPKI
	small, calls int
}

func (g *growingTSA) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	g.calls++
	padding := 0
	if g.calls > g.small {
		padding = 8 << 10
	}
	return localTSA{pki: g.pki, padding: padding}.Timestamp(ctx, digest, h)
}

// TestSealLTALargeDocumentTimestamp makes the document timestamp's token
// outgrow the room reserved after the signature timestamp's: the update is
// rendered again with a hole that fits.
func TestSealLTALargeDocumentTimestamp(t *testing.T) {
	pki := getPKI(t)
	tsa := &growingTSA{pki: pki, small: 1}
	s := pki.ltvSealer(t, false, LevelBLTA, pki.ltvCRL(t))
	s.TSA = tsa
	orig := pageDoc(1).build(modeTable)
	sealed := seal(t, s, orig, testInfo)
	if tsa.calls != 3 {
		t.Errorf("TSA called %d times, want 3 (seal, timestamp, larger timestamp)", tsa.calls)
	}
	fields := levelFields(t, sealed)
	if len(fields) != 2 {
		t.Fatalf("%d signature fields, want 2", len(fields))
	}
	checkSealedDocTimestamp(t, sealed, fields[1].v, 0)
	checkPdfsigLevel(t, sealed, LevelBLTA)
	qpdfCheck(t, sealed)
}
