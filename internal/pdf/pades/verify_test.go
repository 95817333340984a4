package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// cleanFile is an untouched sealed file that must verify.
type cleanFile struct {
	name string
	pdf  func(t *testing.T) []byte
	// wantSigs is the number of signatures and document timestamps.
	wantSigs     int
	wantEvidence bool
}

// cleanFiles builds sealed documents from every kind of base GSign meets,
// sealed once or twice, with validation data and document timestamps
// added after the seal.
func cleanFiles(pki *testPKI) []cleanFile {
	rsa := func(t *testing.T, pdf []byte) []byte { return seal(t, pki.sealer(t, false), pdf, testInfo) }
	ec := func(t *testing.T, pdf []byte) []byte { return seal(t, pki.sealer(t, true), pdf, testInfo) }
	base := func(d *testDoc, m xrefMode) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return rsa(t, d.build(m)) }
	}
	files := []cleanFile{
		{name: "classic table", pdf: base(pageDoc(1), modeTable), wantSigs: 1},
		{name: "xref stream", pdf: func(t *testing.T) []byte { return ec(t, pageDoc(2).build(modeStream)) }, wantSigs: 1},
		{name: "hybrid", pdf: base(pageDoc(2), modeHybrid), wantSigs: 1},
		{name: "no end-of-line after %%EOF", pdf: func(t *testing.T) []byte {
			return rsa(t, bytes.TrimRight(pageDoc(1).build(modeTable), "\n"))
		}, wantSigs: 1},
		{name: "pdfcpu rewrite", pdf: func(t *testing.T) []byte { return rsa(t, pdfcpuRewrite(t, nestedTree().build(modeTable))) }, wantSigs: 1},
		{name: "existing acroform and text field", pdf: base(withObjects(map[int]string{
			1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
			6:  "<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >>",
			7:  "<< /Type /Annot /Subtype /Widget /FT /Tx /T (GSign Seal) /V (hello) /Rect [72 600 300 620] /P 10 0 R >>",
			10: fmt.Sprintf(page1, "/Annots [7 0 R]"),
		}), modeTable), wantSigs: 1},
		{name: "direct acroform, indirect fields", pdf: base(withObjects(map[int]string{
			1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 8 0 R /SigFlags 1 >> >>",
			8: "[]",
		}), modeStream), wantSigs: 1},
		{name: "indirect annots array", pdf: base(withObjects(map[int]string{
			9:  "[7 0 R]",
			7:  "<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /Border [0 0 0] /A << /S /URI /URI (https://example.com) >> >>",
			10: fmt.Sprintf(page1, "/Annots 9 0 R"),
		}), modeTable), wantSigs: 1},
		{name: "SHA-384", pdf: func(t *testing.T) []byte {
			s := pki.sealer(t, true)
			s.Hash = crypto.SHA384
			return seal(t, s, pageDoc(1).build(modeHybrid), testInfo)
		}, wantSigs: 1},
		{name: "evidence, table", wantSigs: 1, wantEvidence: true, pdf: func(t *testing.T) []byte {
			return rsa(t, evidenceDoc(evidenceJSON(t, false)).build(modeTable))
		}},
		{name: "evidence, xref stream", wantSigs: 1, wantEvidence: true, pdf: func(t *testing.T) []byte {
			return rsa(t, evidenceDoc(evidenceJSON(t, false)).build(modeStream))
		}},
	}
	files = append(files,
		cleanFile{name: "unsigned history before the seal", wantSigs: 1, pdf: func(t *testing.T) []byte {
			edited := appendRevision(t, pageDoc(1).build(modeTable), handUpdate{objects: map[int64]string{
				4: "<< /Producer (gsign test) /Title (Edited before signing) >>",
			}})
			return rsa(t, edited)
		}},
		cleanFile{name: "pre-placed visible signature field signed later", wantSigs: 2, pdf: func(t *testing.T) []byte {
			sealed := rsa(t, withObjects(map[int]string{
				1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] >> >>",
				7:  "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Witness) /Rect [72 100 272 150] /F 4 /AP << /N 8 0 R >> /P 10 0 R >>",
				8:  streamBody("/Type /XObject /Subtype /Form /BBox [0 0 200 50]", []byte("0 0 1 RG 0 0 200 50 re S")),
				10: fmt.Sprintf(page1, "/Annots [7 0 R]"),
			}).build(modeTable))
			return fillDocTimestamp(t, pki, sealed, Ref{Num: 7})
		}},
	)
	for _, m := range []xrefMode{modeTable, modeStream, modeHybrid} {
		files = append(files, cleanFile{name: "sealed twice, " + m.String(), wantSigs: 2, pdf: func(t *testing.T) []byte {
			return ec(t, rsa(t, pageDoc(2).build(m)))
		}})
	}
	return append(files, ltvFiles(pki, rsa)...)
}

// ltvFiles add validation data and document timestamps after the seal:
// later revisions that must stay allowed.
func ltvFiles(pki *testPKI, rsa func(*testing.T, []byte) []byte) []cleanFile {
	root := pki.root.Raw
	return []cleanFile{
		{name: "sealed, then DSS", wantSigs: 1, pdf: func(t *testing.T) []byte {
			return addDSS(t, rsa(t, pageDoc(1).build(modeTable)), root)
		}},
		{name: "sealed twice, then DSS", wantSigs: 2, pdf: func(t *testing.T) []byte {
			return addDSS(t, rsa(t, rsa(t, pageDoc(1).build(modeStream))), root)
		}},
		{name: "sealed, DSS, DSS grown", wantSigs: 1, pdf: func(t *testing.T) []byte {
			return addDSS(t, addDSS(t, rsa(t, pageDoc(1).build(modeTable)), root), pki.tsaCert.Raw)
		}},
		{name: "sealed, DSS, document timestamp", wantSigs: 2, pdf: func(t *testing.T) []byte {
			return addDocTimestamp(t, pki, addDSS(t, rsa(t, pageDoc(1).build(modeHybrid)), root))
		}},
		{name: "B-LTA rounds: timestamp, DSS, timestamp", wantSigs: 3, pdf: func(t *testing.T) []byte {
			once := addDocTimestamp(t, pki, rsa(t, pageDoc(1).build(modeTable)))
			return addDocTimestamp(t, pki, addDSS(t, once, pki.tsaCert.Raw))
		}},
		{name: "third party: empty signature field added after signing", wantSigs: 1, pdf: func(t *testing.T) []byte {
			return addEmptyField(t, rsa(t, pageDoc(1).build(modeTable)))
		}},
		{name: "evidence, sealed, DSS", wantSigs: 1, wantEvidence: true, pdf: func(t *testing.T) []byte {
			return addDSS(t, rsa(t, evidenceDoc(evidenceJSON(t, false)).build(modeStream)), root)
		}},
	}
}

func TestVerifyCleanFiles(t *testing.T) {
	pki := getPKI(t)
	files := cleanFiles(pki)
	if haveTool("qpdf") {
		for _, args := range [][]string{{"--object-streams=generate"}, {"--linearize"}} {
			files = append(files, cleanFile{name: "qpdf " + args[0], wantSigs: 1, pdf: func(t *testing.T) []byte {
				return seal(t, pki.sealer(t, false), qpdfConvert(t, pageDoc(3).build(modeTable), args...), testInfo)
			}})
		}
	}
	valid := 0
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			rep := verifyPDF(t, f.pdf(t))
			checkClean(t, rep, f)
			if !t.Failed() {
				valid++
			}
		})
	}
	t.Logf("clean files: %d of %d verify valid with no problem (0%% false positives)", valid, len(files))
	if valid != len(files) {
		t.Errorf("%d of %d clean files were flagged", len(files)-valid, len(files))
	}
}

// checkClean requires a valid report without a single problem or
// disallowed change, every signature whole and trusted.
func checkClean(t *testing.T, rep *Report, f cleanFile) {
	t.Helper()
	if !rep.Valid || len(rep.Problems) > 0 {
		t.Fatalf("clean file flagged: %q\n%s", rep.Problems, reportJSON(rep))
	}
	if len(rep.Signatures) != f.wantSigs {
		t.Errorf("%d signatures, want %d", len(rep.Signatures), f.wantSigs)
	}
	for i, s := range rep.Signatures {
		if !s.IntegrityOK || !s.ChainOK || !s.CoversWholeDocument || !s.Timestamp.Present || !s.Timestamp.ImprintOK || !s.Timestamp.ChainOK {
			t.Errorf("signature %d: %+v", i, s)
		}
		if s.Type == "signature" && s.SignerName == "" {
			t.Errorf("signature %d has no signer name", i)
		}
	}
	if last := rep.Signatures[len(rep.Signatures)-1]; !last.CoversWholeFile && len(rep.Revisions)-1 == last.Revision {
		t.Error("the last signature does not cover the file, yet no revision follows it")
	}
	for _, rv := range rep.Revisions {
		for _, c := range rv.Changes {
			if !c.Allowed {
				t.Errorf("revision %d: disallowed change %+v", rv.Index, c)
			}
		}
	}
	if rep.Evidence == nil || rep.Evidence.Present != f.wantEvidence || (f.wantEvidence && !rep.Evidence.ChainOK) {
		t.Errorf("evidence = %+v, want present=%t", rep.Evidence, f.wantEvidence)
	}
}

func TestVerifyReportJSON(t *testing.T) {
	pki := getPKI(t)
	sealed := addDSS(t, seal(t, pki.sealer(t, false), evidenceDoc(evidenceJSON(t, false)).build(modeTable), testInfo), pki.root.Raw)
	b, err := json.Marshal(verifyPDF(t, sealed))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"valid":true`, `"field":"GSign Seal"`, `"subfilter":"ETSI.CAdES.detached"`, `"signer_name":"GSign Test Seal (RSA)"`,
		`"digest_algorithm":"SHA-256"`, `"covers_whole_document":true`, `"covers_whole_file":false`, `"integrity_ok":true`,
		`"chain_ok":true`, `"imprint_ok":true`, `"tsa_subject":"CN=GSign Test TSA,O=GSign Test"`, `"signing_time":"2025-03-14T15:09:26Z"`,
		`"kind":"dss","allowed":true`, `"signed_by":[]`, `"evidence":{"present":true,"chain_ok":true,"envelope_id":"env_test","head_seq":3`,
		`"problems":[]`,
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("report JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestVerifyTrust(t *testing.T) {
	pki := getPKI(t)
	sealed := seal(t, pki.sealer(t, false), pageDoc(1).build(modeTable), testInfo)
	other := x509.NewCertPool()
	other.AddCert(pki.tsaCert) // a pool without the root: the seal does not chain to it
	revoked, err := x509.CreateRevocationList(nil, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: pki.rsaSeal.SerialNumber, RevocationTime: time.Now().Add(-2 * time.Hour), ReasonCode: 1}},
	}, pki.root, pki.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts VerifyOptions
		want string
	}{
		{"no trust anchors", VerifyOptions{}, "no trust anchors are configured"},
		{"another trust store", VerifyOptions{Roots: other}, "unknown authority"},
		{"revoked for key compromise", VerifyOptions{Roots: pki.rootPool, CRLs: [][]byte{revoked}}, "was revoked"},
		{"validated later than the certificate is valid", VerifyOptions{Roots: pki.rootPool, Now: time.Now().Add(10 * 24 * time.Hour)}, ""},
		{"garbage CRL", VerifyOptions{Roots: pki.rootPool, CRLs: [][]byte{[]byte("junk")}}, "revocation list 1 cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Verify(context.Background(), bytes.NewReader(sealed), int64(len(sealed)), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				// The timestamp proves the signature was made while the
				// certificate was valid: a later Now does not matter.
				if !rep.Valid {
					t.Fatalf("problems: %q", rep.Problems)
				}
				return
			}
			if rep.Valid || !containsProblem(rep, tt.want) {
				t.Fatalf("want a problem containing %q, got %q", tt.want, rep.Problems)
			}
			if tt.name != "garbage CRL" && rep.Signatures[0].ChainOK {
				t.Error("chain_ok is true")
			}
		})
	}
}

func TestVerifyRefusesUnreadableInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		pdf  []byte
	}{
		{"empty", nil},
		{"not a PDF", []byte("GIF89a not a PDF")},
		{"header only", []byte("%PDF-1.7\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(context.Background(), bytes.NewReader(tt.pdf), int64(len(tt.pdf)), VerifyOptions{})
			if esign.ErrorKind(err) != esign.KindInvalid {
				t.Fatalf("error = %v, want an invalid-input error", err)
			}
		})
	}
}

func TestVerifyUnsignedDocument(t *testing.T) {
	rep := verifyPDF(t, pageDoc(1).build(modeStream))
	if rep.Valid || !containsProblem(rep, "no signatures") {
		t.Fatalf("an unsigned document: valid=%t problems=%q", rep.Valid, rep.Problems)
	}
}

func TestVerifyCancelled(t *testing.T) {
	pki := getPKI(t)
	sealed := seal(t, pki.sealer(t, false), pageDoc(1).build(modeTable), testInfo)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, bytes.NewReader(sealed), int64(len(sealed)), VerifyOptions{Roots: pki.rootPool}); err == nil {
		t.Fatal("Verify succeeded with a cancelled context")
	}
}

func TestParsePDFDate(t *testing.T) {
	for in, want := range map[string]string{
		"D:20250314150926-07'00'": "2025-03-14T15:09:26-07:00",
		"D:20250314150926Z":       "2025-03-14T15:09:26Z",
		"D:20250314150926+01'30":  "2025-03-14T15:09:26+01:30",
		"D:2025":                  "2025-01-01T00:00:00Z",
		"20250314":                "2025-03-14T00:00:00Z",
	} {
		got, ok := parsePDFDate(in)
		if !ok || got.Format(time.RFC3339) != want {
			t.Errorf("parsePDFDate(%q) = %v, %t; want %s", in, got, ok, want)
		}
	}
	if _, ok := parsePDFDate("D:yesterday"); ok {
		t.Error("parsed a bad date")
	}
}

func containsProblem(rep *Report, want string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}
