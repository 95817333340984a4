package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

var testInfo = esign.SealInfo{
	Name:     "GSign Seal",
	Reason:   "Envelope completed",
	Location: "GSign",
	Contact:  "seal@gsign.test",
	Time:     time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC),
}

// seal seals pdf and fails the test on error.
func seal(t testing.TB, s *Sealer, pdf []byte, info esign.SealInfo) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := s.Seal(context.Background(), bytes.NewReader(pdf), &out, info); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return out.Bytes()
}

// withObjects returns pageDoc(1) with objects replaced or added.
func withObjects(objs map[int]string) *testDoc {
	d := pageDoc(1)
	for n, body := range objs {
		d.objects[n] = body
	}
	return d
}

const page1 = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 11 0 R %s >>"

func TestSealDocuments(t *testing.T) {
	pki := getPKI(t)
	tests := []struct {
		name      string
		pdf       func(t *testing.T) []byte
		ecdsa     bool
		info      esign.SealInfo
		wantField string
	}{
		{name: "classic table", pdf: func(*testing.T) []byte { return pageDoc(1).build(modeTable) }},
		{name: "ecdsa seal key", ecdsa: true, pdf: func(*testing.T) []byte { return pageDoc(1).build(modeTable) }},
		{name: "no end-of-line after %%EOF", pdf: func(*testing.T) []byte {
			return bytes.TrimRight(pageDoc(1).build(modeTable), "\n")
		}},
		{name: "xref stream and object streams", pdf: func(*testing.T) []byte { return pageDoc(2).build(modeStream) }},
		{name: "hybrid xref", pdf: func(*testing.T) []byte { return pageDoc(2).build(modeHybrid) }},
		{name: "qpdf object streams", pdf: func(t *testing.T) []byte {
			return qpdfConvert(t, pageDoc(3).build(modeTable), "--object-streams=generate")
		}},
		{name: "pdfcpu rewrite", pdf: func(t *testing.T) []byte { return pdfcpuRewrite(t, nestedTree().build(modeTable)) }},
		{name: "multi-page nested page tree", pdf: func(*testing.T) []byte { return nestedTree().build(modeTable) }},
		{name: "existing acroform with a clashing name", wantField: "GSign Seal_2", pdf: func(*testing.T) []byte {
			return withObjects(map[int]string{
				1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
				6:  "<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >>",
				7:  "<< /Type /Annot /Subtype /Widget /FT /Tx /T (GSign Seal) /V (hello) /Rect [72 600 300 620] /P 10 0 R >>",
				10: fmt.Sprintf(page1, "/Annots [7 0 R]"),
			}).build(modeTable)
		}},
		{name: "direct acroform with indirect fields", pdf: func(*testing.T) []byte {
			return withObjects(map[int]string{
				1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 8 0 R /SigFlags 1 >> >>",
				8: "[]",
			}).build(modeStream)
		}},
		{name: "indirect annots array", pdf: func(*testing.T) []byte {
			return withObjects(map[int]string{
				9:  "[7 0 R]",
				7:  "<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /Border [0 0 0] /A << /S /URI /URI (https://example.com) >> >>",
				10: fmt.Sprintf(page1, "/Annots 9 0 R"),
			}).build(modeTable)
		}},
		{name: "non-ASCII seal information", info: esign.SealInfo{
			Name: "Siegel (GSign) Zürich", Reason: "Geprüft – ✓ \\ (ok)", Location: "Zürich", Time: testInfo.Time,
		}, wantField: "Siegel (GSign) Zürich", pdf: func(*testing.T) []byte { return pageDoc(1).build(modeHybrid) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := tt.info
			if info.Name == "" {
				info = testInfo
			}
			orig := tt.pdf(t)
			sealed := seal(t, pki.sealer(t, tt.ecdsa), orig, info)
			sig := lastSignature(t, sealed)
			want := tt.wantField
			if want == "" {
				want = info.Name
			}
			if sig.field != want {
				t.Errorf("field name = %q, want %q", sig.field, want)
			}
			checkSealed(t, orig, sealed, 1)
		})
	}
}

// nestedTree is a three-page document whose first page sits two levels
// down the page tree.
func nestedTree() *testDoc {
	d := pageDoc(3)
	d.objects[2] = "<< /Type /Pages /Kids [5 0 R 14 0 R] /Count 3 >>"
	d.objects[5] = "<< /Type /Pages /Parent 2 0 R /Kids [10 0 R 12 0 R] /Count 2 >>"
	for _, n := range []int{10, 12} {
		d.objects[n] = strings.Replace(d.objects[n], "/Parent 2 0 R", "/Parent 5 0 R", 1)
	}
	return d
}

func TestSealTwice(t *testing.T) {
	pki := getPKI(t)
	for _, mode := range []xrefMode{modeTable, modeStream, modeHybrid} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			orig := pageDoc(2).build(mode)
			once := seal(t, pki.sealer(t, false), orig, testInfo)
			twice := seal(t, pki.sealer(t, true), once, testInfo)
			if got := lastSignature(t, twice).field; got != testInfo.Name+"_2" {
				t.Errorf("second field name = %q", got)
			}
			checkSealed(t, once, twice, 2)
			checkRevisions(t, twice, len(twice), len(once), len(orig))
		})
	}
}

// checkTrailer checks that the update keeps /Root and /Info, keeps the
// first /ID element and renews the second.
func checkTrailer(t *testing.T, orig, sealed []byte) {
	t.Helper()
	before, after := open(t, orig).Trailer(), open(t, sealed).Trailer()
	for _, key := range []Name{"Root", "Info"} {
		if !reflect.DeepEqual(before.Get(key), after.Get(key)) {
			t.Errorf("trailer /%s changed from %v to %v", key, before.Get(key), after.Get(key))
		}
	}
	oldID, _ := before.Get("ID").(Array)
	newID, _ := after.Get("ID").(Array)
	if len(newID) != 2 {
		t.Fatalf("sealed trailer /ID = %v", after.Get("ID"))
	}
	if len(oldID) == 2 && (newID[0] != oldID[0] || newID[1] == oldID[1]) {
		t.Errorf("/ID went from %v to %v; want the first kept and the second new", oldID, newID)
	}
}

// checkRevisions checks that the reader finds one revision per wanted end
// offset, newest first.
func checkRevisions(t *testing.T, pdf []byte, wantEnds ...int) {
	t.Helper()
	r := open(t, pdf)
	var ends []int
	for _, sec := range r.Sections() {
		end, err := r.RevisionEnd(sec)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, int(end))
	}
	if !slices.Equal(ends, wantEnds) {
		t.Errorf("revision ends = %v, want %v", ends, wantEnds)
	}
}

// checkSealed checks a sealed file against its original: an exact prefix,
// a well-formed CMS over the whole file, pdfsig's verdict on every
// signature and qpdf's structural check.
func checkSealed(t *testing.T, orig, sealed []byte, wantSigs int) {
	t.Helper()
	if !bytes.HasPrefix(sealed, orig) {
		t.Fatal("the original is not a byte-exact prefix of the sealed file")
	}
	sig := lastSignature(t, sealed)
	if end := sig.byteRange[2] + sig.byteRange[3]; sig.byteRange[0] != 0 || end != int64(len(sealed)) {
		t.Errorf("ByteRange %v does not cover the file of %d bytes", sig.byteRange, len(sealed))
	}
	inspectCMS(t, sig, getPKI(t))
	checkTrailer(t, orig, sealed)
	reports, out := pdfsig(t, sealed)
	if len(reports) != wantSigs {
		t.Fatalf("pdfsig found %d signatures, want %d:\n%s", len(reports), wantSigs, out)
	}
	for i, r := range reports {
		if !r.valid {
			t.Errorf("signature %d is not valid:\n%s", i+1, out)
		}
	}
	if !reports[len(reports)-1].total {
		t.Errorf("the last signature does not cover the total document:\n%s", out)
	}
	qpdfCheck(t, sealed)
}

func TestSealRefusesBadInput(t *testing.T) {
	pki := getPKI(t)
	valid := pageDoc(1).build(modeTable)
	encrypted := withObjects(nil)
	encrypted.trailer += " /Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>"
	certified := withObjects(map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 6 0 R >> >>",
		6: "<< /Type /Sig /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>] >>",
	})
	tests := []struct {
		name     string
		pdf      []byte
		wantCode string
	}{
		{"empty", nil, esign.CodeInvalidPDF},
		{"not a PDF", []byte("GIF89a this is not a PDF at all"), esign.CodeInvalidPDF},
		{"truncated", valid[:len(valid)/2], esign.CodePDFTruncated},
		{"header only", []byte("%PDF-1.7\n"), esign.CodePDFTruncated},
		{"encrypted", encrypted.build(modeTable), esign.CodePDFEncrypted},
		{"certified, no changes allowed", certified.build(modeTable), esign.CodeInvalidPDF},
		{"startxref to nowhere", bytes.Replace(valid, []byte("startxref\n"), []byte("startxref\n9"), 1), esign.CodePDFTruncated},
		{"no pages", withObjects(map[int]string{2: "<< /Type /Pages /Kids [] /Count 0 >>"}).build(modeTable), esign.CodeInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := pki.sealer(t, false).Seal(context.Background(), bytes.NewReader(tt.pdf), &out, testInfo)
			if err == nil {
				t.Fatal("Seal succeeded")
			}
			if got := esign.ErrorCode(err); got != tt.wantCode {
				t.Errorf("error code = %q, want %q (%v)", got, tt.wantCode, err)
			}
			if esign.ErrorKind(err) != esign.KindInvalid {
				t.Errorf("error kind = %q, want invalid", esign.ErrorKind(err))
			}
			if out.Len() != 0 {
				t.Errorf("Seal wrote %d bytes for a document it refused", out.Len())
			}
		})
	}
}

func TestSealRefusesQPDFEncrypted(t *testing.T) {
	pki := getPKI(t)
	encrypted := qpdfConvert(t, pageDoc(1).build(modeTable), "--encrypt", "", "owner", "256", "--")
	err := pki.sealer(t, false).Seal(context.Background(), bytes.NewReader(encrypted), io.Discard, testInfo)
	if esign.ErrorCode(err) != esign.CodePDFEncrypted {
		t.Fatalf("Seal error = %v, want %s", err, esign.CodePDFEncrypted)
	}
}

func TestSealFailsWithoutTimestamp(t *testing.T) {
	pki := getPKI(t)
	tsa := &failingTSA{}
	s := &Sealer{Signer: pki.rsaKey, Chain: pki.sealer(t, false).Chain, TSA: tsa}
	orig := pageDoc(1).build(modeTable)
	var out bytes.Buffer
	err := s.Seal(context.Background(), bytes.NewReader(orig), &out, testInfo)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Seal error = %v, want the TSA's error", err)
	}
	if esign.ErrorKind(err) != esign.KindInternal {
		t.Errorf("a TSA failure must be retryable (internal), got kind %q", esign.ErrorKind(err))
	}
	if tsa.calls != 1 {
		t.Errorf("TSA called %d times", tsa.calls)
	}
	// Only the original may have been written: nothing signed follows it.
	if out.Len() > len(orig) || bytes.Contains(out.Bytes(), []byte("/ETSI.CAdES.detached")) {
		t.Errorf("Seal wrote %d bytes including a signature after a TSA failure", out.Len())
	}
}

// badTokenTSA returns a valid token for the wrong digest.
type badTokenTSA struct{ localTSA }

func (b badTokenTSA) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	wrong := bytes.Clone(digest)
	wrong[0] ^= 0xff
	return b.localTSA.Timestamp(ctx, wrong, h)
}

func TestSealRejectsWrongTimestamp(t *testing.T) {
	pki := getPKI(t)
	s := &Sealer{Signer: pki.ecKey, Chain: []*x509.Certificate{pki.ecSeal}, TSA: badTokenTSA{localTSA{pki: pki}}}
	err := s.Seal(context.Background(), bytes.NewReader(pageDoc(1).build(modeTable)), io.Discard, testInfo)
	if err == nil || !strings.Contains(err.Error(), "not over the signature value") {
		t.Fatalf("Seal error = %v, want a rejected token", err)
	}
}

func TestSealLargeTimestampToken(t *testing.T) {
	pki := getPKI(t)
	var calls int
	tsa := localTSA{pki: pki, padding: 16 << 10, calls: &calls}
	s := &Sealer{Signer: pki.ecKey, Chain: []*x509.Certificate{pki.ecSeal, pki.root}, TSA: tsa}
	orig := pageDoc(1).build(modeTable)
	sealed := seal(t, s, orig, testInfo)
	if calls != 2 {
		t.Errorf("TSA called %d times, want 2 (the token outgrew the first hole)", calls)
	}
	checkSealed(t, orig, sealed, 1)
}

func TestSealerConfiguration(t *testing.T) {
	pki := getPKI(t)
	tsa := localTSA{pki: pki}
	tests := []struct {
		name string
		s    Sealer
	}{
		{"no signer", Sealer{Chain: []*x509.Certificate{pki.rsaSeal}, TSA: tsa}},
		{"no chain", Sealer{Signer: pki.rsaKey, TSA: tsa}},
		{"no TSA", Sealer{Signer: pki.rsaKey, Chain: []*x509.Certificate{pki.rsaSeal}}},
		{"key does not match", Sealer{Signer: pki.ecKey, Chain: []*x509.Certificate{pki.rsaSeal}, TSA: tsa}},
		{"SHA-1", Sealer{Signer: pki.rsaKey, Chain: []*x509.Certificate{pki.rsaSeal}, TSA: tsa, Hash: crypto.SHA1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Seal(context.Background(), bytes.NewReader(pageDoc(1).build(modeTable)), io.Discard, testInfo)
			if err == nil {
				t.Fatal("Seal succeeded with a bad configuration")
			}
		})
	}
}

func TestSealHashes(t *testing.T) {
	pki := getPKI(t)
	for _, h := range []crypto.Hash{crypto.SHA384, crypto.SHA512} {
		t.Run(h.String(), func(t *testing.T) {
			s := pki.sealer(t, true)
			s.Hash = h
			orig := pageDoc(1).build(modeStream)
			checkSealed(t, orig, seal(t, s, orig, testInfo), 1)
		})
	}
}

func TestSealCancelled(t *testing.T) {
	pki := getPKI(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := pki.sealer(t, false).Seal(ctx, bytes.NewReader(pageDoc(1).build(modeTable)), io.Discard, testInfo)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Seal error = %v, want context.Canceled", err)
	}
}
