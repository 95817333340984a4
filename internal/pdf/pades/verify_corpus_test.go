package pades

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// manipulation turns a sealed file into a manipulated one. apply returns
// nil when the manipulation does not apply to the base (a document
// without /Info has none to redefine).
type manipulation struct {
	name  string
	want  string // a problem that must be reported
	apply func(t *testing.T, pki *testPKI, sealed []byte) []byte
}

// corpusBases are the sealed files the manipulations start from.
func corpusBases(pki *testPKI) []struct {
	name string
	pdf  func(t *testing.T) []byte
} {
	rsa := func(t *testing.T, pdf []byte) []byte { return seal(t, pki.sealer(t, false), pdf, testInfo) }
	ec := func(t *testing.T, pdf []byte) []byte { return seal(t, pki.sealer(t, true), pdf, testInfo) }
	return []struct {
		name string
		pdf  func(t *testing.T) []byte
	}{
		{"table", func(t *testing.T) []byte { return rsa(t, pageDoc(2).build(modeTable)) }},
		{"xref stream", func(t *testing.T) []byte { return ec(t, pageDoc(2).build(modeStream)) }},
		{"pdfcpu", func(t *testing.T) []byte { return rsa(t, pdfcpuRewrite(t, nestedTree().build(modeTable))) }},
		{"evidence", func(t *testing.T) []byte { return rsa(t, evidenceDoc(evidenceJSON(t, false)).build(modeHybrid)) }},
		{"sealed twice", func(t *testing.T) []byte { return ec(t, rsa(t, pageDoc(1).build(modeTable))) }},
		{"DSS and document timestamp", func(t *testing.T) []byte {
			return addDocTimestamp(t, pki, addDSS(t, rsa(t, pageDoc(1).build(modeStream)), pki.root.Raw))
		}},
	}
}

// manipulations is the corpus: byte-level tampering with a signature and
// the shadow and incremental-saving attacks, each written by hand.
func manipulations() []manipulation {
	return []manipulation{
		{"byte flip in the first signed range", "does not match the signed bytes", flipInContent},
		{"byte flip in the second signed range", "does not match the signed bytes", flipInSecondRange},
		{"emptied /Contents", "/Contents is empty", emptyContents},
		{"ByteRange second range shifted", "is not exactly the signature's /Contents string", shiftByteRange(2)},
		{"ByteRange first length shifted", "is not exactly the signature's /Contents string", shiftByteRange(1)},
		{"ByteRange of three integers", "exactly 4", threeIntegerByteRange},
		{"bytes after %%EOF", "after the last revision's %%EOF", appendBytes(8)},
		{"kilobytes after %%EOF", "does not read as a whole", appendBytes(5000)},
		{"overlay: new page content", "new page content", overlay},
		{"new /FreeText annotation", "/FreeText annotation", freeText},
		{"new page", "page tree node was changed", newPage},
		{"catalog /OpenAction", "catalog's /OpenAction changed", openAction},
		{"AcroForm /NeedAppearances", "AcroForm's /NeedAppearances changed", needAppearances},
		{"second xref without /Prev", "not chained by /Prev", unchained(false)},
		{"second xref whose /Prev skips a revision", "not chained by /Prev", unchained(true)},
		{"/Prev outside the file", "does not read as a whole", prevOutside},
		{"shadow: content stream redefined", "redefined with other content", redefineContent},
		{"shadow: /Info redefined", "document information dictionary was changed", redefineInfo},
		{"signature dictionary redefined", "signature dictionary was changed", redefineSigDict},
		{"signature field removed", "was removed from the document later", removeSignatures},
		{"sneaky signature: visible unsigned field", "sneaky signature", sneakySignature},
		{"sneaky signature: new widget for an earlier signature", "sneaky signature", reuseSignature},
		{"signed object freed", "was deleted", freeContent},
	}
}

func TestVerifyManipulationCorpus(t *testing.T) {
	pki := getPKI(t)
	total, flagged := 0, 0
	check := func(t *testing.T, pdf []byte, want string) {
		total++
		rep := verifyPDF(t, pdf)
		if rep.Valid || !containsProblem(rep, want) {
			t.Errorf("not flagged with %q: valid=%t problems=%q\n%s", want, rep.Valid, rep.Problems, reportJSON(rep))
			return
		}
		flagged++
	}
	for _, base := range corpusBases(pki) {
		t.Run(base.name, func(t *testing.T) {
			sealed := base.pdf(t)
			if rep := verifyPDF(t, sealed); !rep.Valid {
				t.Fatalf("the base is not valid: %q", rep.Problems)
			}
			for _, m := range manipulations() {
				t.Run(m.name, func(t *testing.T) {
					if pdf := m.apply(t, pki, bytes.Clone(sealed)); pdf != nil {
						check(t, pdf, m.want)
					}
				})
			}
		})
	}
	for _, m := range evidenceManipulations() {
		t.Run(m.name, func(t *testing.T) { check(t, m.apply(t, pki, nil), m.want) })
	}
	t.Logf("manipulation corpus: %d of %d files flagged", flagged, total)
	if flagged != total || total < 100 {
		t.Errorf("%d of %d manipulated files flagged; want all, and at least 100", flagged, total)
	}
}

// evidenceManipulations tamper with the embedded evidence.
func evidenceManipulations() []manipulation {
	return []manipulation{
		{"evidence with a broken chain, sealed (table)", "evidence: the audit chain is broken", func(t *testing.T, pki *testPKI, _ []byte) []byte {
			return seal(t, pki.sealer(t, false), evidenceDoc(evidenceJSON(t, true)).build(modeTable), testInfo)
		}},
		{"evidence with a broken chain, sealed (xref stream)", "evidence: the audit chain is broken", func(t *testing.T, pki *testPKI, _ []byte) []byte {
			return seal(t, pki.sealer(t, true), evidenceDoc(evidenceJSON(t, true)).build(modeStream), testInfo)
		}},
		{"evidence with a wrong /CheckSum", "does not match its /CheckSum", func(t *testing.T, pki *testPKI, _ []byte) []byte {
			d := evidenceDoc(evidenceJSON(t, false))
			d.objects[6] = corruptChecksum(d.objects[6])
			return seal(t, pki.sealer(t, false), d.build(modeTable), testInfo)
		}},
		{"sealed with evidence, then an unsigned revision", "the document is sealed, but revision 2", func(t *testing.T, pki *testPKI, _ []byte) []byte {
			return addEmptyField(t, seal(t, pki.sealer(t, false), evidenceDoc(evidenceJSON(t, false)).build(modeTable), testInfo))
		}},
		{"hide and reveal: xref re-points to a hidden object", "redefined with other content", hideAndReveal},
		{"evidence replaced after sealing", "redefined with other content", func(t *testing.T, pki *testPKI, _ []byte) []byte {
			sealed := seal(t, pki.sealer(t, false), evidenceDoc(evidenceJSON(t, false)).build(modeTable), testInfo)
			other := evidenceDoc(bytes.Replace(evidenceJSON(t, false), []byte(`"Test"`), []byte(`"Forged"`), 1))
			return appendRevision(t, sealed, handUpdate{objects: map[int64]string{6: other.objects[6]}})
		}},
	}
}

// corruptChecksum changes the first digit of a /CheckSum.
func corruptChecksum(body string) string {
	i := strings.Index(body, "/CheckSum <") + len("/CheckSum <")
	digit := "0"
	if body[i] == '0' {
		digit = "1"
	}
	return body[:i] + digit + body[i+1:]
}

// lastSigRange returns the ByteRange of the file's newest signature or
// document timestamp.
func lastSigRange(t *testing.T, pdf []byte) [4]int64 {
	t.Helper()
	r := stateOf(t, pdf).r
	sigs, err := sigFields(r)
	if err != nil || len(sigs) == 0 {
		t.Fatalf("no signatures: %v", err)
	}
	d, err := r.ResolveDict(sigs[len(sigs)-1].value)
	if err != nil {
		t.Fatal(err)
	}
	var br [4]int64
	for i, o := range d.Get("ByteRange").(Array) {
		br[i] = int64(o.(Integer))
	}
	return br
}

func flipInContent(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	ref := s.page.Get("Contents")
	if arr, ok := ref.(Array); ok {
		ref = arr[0]
	}
	o, err := s.r.Resolve(ref)
	if err != nil {
		t.Fatal(err)
	}
	pdf[o.(*Stream).Offset+1] ^= 0x01
	return pdf
}

func flipInSecondRange(t *testing.T, _ *testPKI, pdf []byte) []byte {
	br := lastSigRange(t, pdf)
	i := bytes.Index(pdf[br[2]:], []byte("/ID [<"))
	if i < 0 {
		t.Fatal("no /ID in the second signed range")
	}
	at := br[2] + int64(i) + int64(len("/ID [<"))
	if pdf[at] == '0' {
		pdf[at] = '1'
	} else {
		pdf[at] = '0'
	}
	return pdf
}

func emptyContents(t *testing.T, _ *testPKI, pdf []byte) []byte {
	br := lastSigRange(t, pdf)
	for i := br[1] + 1; i < br[2]-1; i++ {
		pdf[i] = '0'
	}
	return pdf
}

// byteRangeText returns where the newest signature's ByteRange numbers
// are written, between the brackets.
func byteRangeText(t *testing.T, pdf []byte) (int, int) {
	br := lastSigRange(t, pdf)
	start := bytes.LastIndex(pdf[:br[1]], []byte("/ByteRange [")) + len("/ByteRange [")
	return start, start + bytes.IndexByte(pdf[start:], ']')
}

// rewriteByteRange writes nums over the ByteRange, keeping its width.
func rewriteByteRange(t *testing.T, pdf []byte, nums []int64) []byte {
	start, end := byteRangeText(t, pdf)
	var parts []string
	for _, n := range nums {
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	s := strings.Join(parts, " ")
	if len(s) > end-start {
		t.Fatalf("ByteRange %q does not fit in %d bytes", s, end-start)
	}
	copy(pdf[start:end], s+strings.Repeat(" ", end-start-len(s)))
	return pdf
}

// shiftByteRange adds 1 to ByteRange entry i, keeping the end of the
// file covered.
func shiftByteRange(i int) func(*testing.T, *testPKI, []byte) []byte {
	return func(t *testing.T, _ *testPKI, pdf []byte) []byte {
		br := lastSigRange(t, pdf)
		br[i]++
		if i == 2 {
			br[3]--
		}
		return rewriteByteRange(t, pdf, br[:])
	}
}

func threeIntegerByteRange(t *testing.T, _ *testPKI, pdf []byte) []byte {
	br := lastSigRange(t, pdf)
	return rewriteByteRange(t, pdf, br[:3])
}

func appendBytes(n int) func(*testing.T, *testPKI, []byte) []byte {
	return func(_ *testing.T, _ *testPKI, pdf []byte) []byte {
		return append(pdf, bytes.Repeat([]byte("garbage\n"), max(1, n/8))...)
	}
}

func overlay(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	page := s.page.Clone()
	contents := Array{s.page.Get("Contents")}
	if arr, ok := s.page.Get("Contents").(Array); ok {
		contents = slices.Clone(arr)
	}
	page.Set("Contents", append(contents, Ref{Num: s.next}))
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{
		s.next:        streamBody("", []byte("q 1 1 1 rg 0 0 612 792 re f Q BT /F1 48 Tf 72 400 Td (PAID IN FULL) Tj ET")),
		s.pageRef.Num: serialize(t, page),
	}})
}

func freeText(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	objs := map[int64]string{
		s.next: fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect [72 400 500 460] /Contents (Approved: 1,000,000 EUR) /DA (/Helv 24 Tf 1 0 0 rg) /P %d 0 R >>", s.pageRef.Num),
	}
	appendTo(t, s.r, objs, s.page.Get("Annots"), s.pageRef, s.page, "Annots", Ref{Num: s.next})
	return appendRevision(t, pdf, handUpdate{objects: objs})
}

func newPage(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	pagesRef := s.cat.Get("Pages").(Ref)
	pages, err := s.r.ResolveDict(pagesRef)
	if err != nil {
		t.Fatal(err)
	}
	pages = pages.Clone()
	kids, _ := pages.Get("Kids").(Array)
	count, _ := pages.Int("Count")
	pages.Set("Kids", append(slices.Clone(kids), Ref{Num: s.next}))
	pages.Set("Count", Integer(count+1))
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{
		s.next:       fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>", pagesRef.Num, s.next+1),
		s.next + 1:   streamBody("", []byte("BT /F1 24 Tf 72 720 Td (Addendum: all terms void) Tj ET")),
		pagesRef.Num: serialize(t, pages),
	}})
}

func openAction(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	cat := s.cat.Clone()
	cat.Set("OpenAction", Dict{{"S", Name("JavaScript")}, {"JS", String("app.alert('signed')")}})
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{s.catRef.Num: serialize(t, cat)}})
}

func needAppearances(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	formRef := s.cat.Get("AcroForm").(Ref)
	form, err := s.r.ResolveDict(formRef)
	if err != nil {
		t.Fatal(err)
	}
	form = form.Clone()
	form.Set("NeedAppearances", Bool(true))
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{formRef.Num: serialize(t, form)}})
}

// unchained appends an update whose trailer has no /Prev, or a /Prev to
// the original's section, skipping the signed revisions.
func unchained(skip bool) func(*testing.T, *testPKI, []byte) []byte {
	return func(t *testing.T, _ *testPKI, pdf []byte) []byte {
		s := stateOf(t, pdf)
		u := handUpdate{objects: map[int64]string{s.catRef.Num: serialize(t, s.cat)}, noPrev: !skip}
		if skip {
			secs := s.r.Sections()
			u.prev = secs[len(secs)-1].Offset
		}
		return appendRevision(t, pdf, u)
	}
}

func prevOutside(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{s.catRef.Num: serialize(t, s.cat)}, prev: int64(len(pdf)) + 100000})
}

func redefineContent(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	ref := s.page.Get("Contents")
	if arr, ok := ref.(Array); ok {
		ref = arr[0]
	}
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{
		ref.(Ref).Num: streamBody("", []byte("BT /F1 24 Tf 72 720 Td (Page 1: the price is 0 EUR) Tj ET")),
	}})
}

func redefineInfo(t *testing.T, _ *testPKI, pdf []byte) []byte {
	ref, ok := stateOf(t, pdf).r.Trailer().Get("Info").(Ref)
	if !ok {
		return nil
	}
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{ref.Num: "<< /Title (Forged) /Producer (gsign test) >>"}})
}

func redefineSigDict(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	sigs, err := sigFields(s.r)
	if err != nil || len(sigs) == 0 {
		t.Fatalf("no signatures: %v", err)
	}
	ref := sigs[len(sigs)-1].value
	d, err := s.r.ResolveDict(ref)
	if err != nil {
		t.Fatal(err)
	}
	d = d.Clone()
	d.Set("Reason", String("I did not sign this"))
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{ref.Num: serialize(t, d)}})
}

func removeSignatures(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	formRef := s.cat.Get("AcroForm").(Ref)
	form, err := s.r.ResolveDict(formRef)
	if err != nil {
		t.Fatal(err)
	}
	form = form.Clone()
	form.Set("Fields", Array{})
	return appendRevision(t, pdf, handUpdate{objects: map[int64]string{formRef.Num: serialize(t, form)}})
}

// sneakySignature adds an empty signature field whose visible appearance
// shows whatever the attacker likes.
func sneakySignature(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	ap, field := s.next, s.next+1
	objs := map[int64]string{
		ap: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 400 100]", []byte("1 1 1 rg 0 0 400 100 re f 1 0 0 rg 10 10 380 80 re f")),
		field: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /Rect [72 400 472 500] /F 4 /AP << /N %d 0 R >> /P %d 0 R >>",
			ap, s.pageRef.Num),
	}
	appendTo(t, s.r, objs, s.page.Get("Annots"), s.pageRef, s.page, "Annots", Ref{Num: field})
	formRef := s.cat.Get("AcroForm").(Ref)
	form, _ := s.r.ResolveDict(formRef)
	appendTo(t, s.r, objs, form.Get("Fields"), formRef, form, "Fields", Ref{Num: field})
	return appendRevision(t, pdf, handUpdate{objects: objs})
}

// TestVerifyAgreesWithPdfsig runs poppler's pdfsig on the overlay attack,
// for comparison: pdfsig validates the signature's bytes and says the
// document is not totally signed; it does not judge the later revision.
func TestVerifyAgreesWithPdfsig(t *testing.T) {
	requireTool(t, "pdfsig")
	pki := getPKI(t)
	attacked := overlay(t, pki, seal(t, pki.sealer(t, false), pageDoc(1).build(modeTable), testInfo))
	out, _ := exec.Command("pdfsig", "-no-ocsp", writeFile(t, "overlay.pdf", attacked)).CombinedOutput()
	t.Logf("pdfsig on the overlay attack:\n%s", out)
	rep := verifyPDF(t, attacked)
	if rep.Valid {
		t.Fatal("the overlay attack verified")
	}
	if !bytes.Contains(out, []byte("not total document signed")) && !bytes.Contains(out, []byte("Not total document signed")) {
		t.Logf("pdfsig did not report partial coverage")
	}
}

// reuseSignature adds a visible widget whose /V is the newest existing,
// valid signature: that signature does not cover the new appearance.
func reuseSignature(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	sigs, err := sigFields(s.r)
	if err != nil || len(sigs) == 0 {
		t.Fatalf("no signatures: %v", err)
	}
	ap, field := s.next, s.next+1
	objs := map[int64]string{
		ap: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 400 100]", []byte("0 0 0 rg 10 10 380 80 re f")),
		field: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Copy) /V %d 0 R /Rect [72 400 472 500] /F 4 /AP << /N %d 0 R >> /P %d 0 R >>",
			sigs[len(sigs)-1].value.Num, ap, s.pageRef.Num),
	}
	appendTo(t, s.r, objs, s.page.Get("Annots"), s.pageRef, s.page, "Annots", Ref{Num: field})
	return appendRevision(t, pdf, handUpdate{objects: objs})
}

// freeContent marks the first page's content stream free.
func freeContent(t *testing.T, _ *testPKI, pdf []byte) []byte {
	s := stateOf(t, pdf)
	ref := s.page.Get("Contents")
	if arr, ok := ref.(Array); ok {
		ref = arr[0]
	}
	return appendRevision(t, pdf, handUpdate{free: []int64{ref.(Ref).Num}})
}

// hideAndReveal is the "hide" shadow attack: before signing, an
// unreferenced second version of the page content sits in an unsigned
// revision; after signing, an update writes no object at all, only an
// xref entry that points the content to the hidden version.
func hideAndReveal(t *testing.T, pki *testPKI, _ []byte) []byte {
	orig := pageDoc(1).build(modeTable)
	hiddenAt := int64(len(orig))
	planted := append(bytes.Clone(orig), "11 0 obj\n"+streamBody("", []byte("BT /F1 24 Tf 72 720 Td (Page 1: pay to account 666) Tj ET"))+"\nendobj\n"...)
	shadow := appendRevision(t, planted, handUpdate{})
	sealed := seal(t, pki.sealer(t, false), shadow, testInfo)
	if rep := verifyPDF(t, sealed); !rep.Valid {
		t.Fatalf("the shadow document, sealed, is not valid: %q", rep.Problems)
	}
	return appendRevision(t, sealed, handUpdate{repoint: map[int64]int64{11: hiddenAt}})
}
