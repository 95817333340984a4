package pades

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gsign/gsign/internal/esign"
)

// sigField is a signature field with a value: /V, the signature
// dictionary.
type sigField struct {
	name  string
	value Ref // zero when /V is not a reference
}

// sigState is what checking one signature found, kept for the revision
// analysis.
type sigState struct {
	field sigField
	rev   *revision // the revision holding the signature dictionary
	rep   SignatureReport
}

func (s *sigState) problem(format string, args ...any) {
	s.rep.Problems = append(s.rep.Problems, fmt.Sprintf(format, args...))
}

// maxFields bounds the form fields walked, against hostile files.
const maxFields = 1 << 16

// sigFields returns the signed signature fields of the document as r
// reads it, in form order, with their fully qualified names.
func sigFields(r *Reader) ([]sigField, error) {
	_, cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	form, err := r.ResolveDict(cat.Get("AcroForm"))
	if err != nil {
		return nil, fmt.Errorf("acroform: %w", err)
	}
	fields, err := r.resolveArray(form.Get("Fields"))
	if err != nil {
		return nil, fmt.Errorf("acroform fields: %w", err)
	}
	w := &fieldWalk{r: r, seen: map[int64]bool{}}
	for _, f := range fields {
		if err := w.walk(f, "", "", 0); err != nil {
			return nil, err
		}
	}
	return w.out, nil
}

type fieldWalk struct {
	r    *Reader
	seen map[int64]bool
	out  []sigField
}

// walk visits field o and its kids; name and ft are inherited.
func (w *fieldWalk) walk(o Object, name string, ft Name, depth int) error {
	if ref, ok := o.(Ref); ok {
		if w.seen[ref.Num] || len(w.seen) >= maxFields {
			return malformed("the form's field tree loops or is too large at object %d", ref.Num)
		}
		w.seen[ref.Num] = true
	}
	if depth > maxTreeDepth {
		return malformed("the form's field tree is too deep")
	}
	d, err := w.r.ResolveDict(o)
	if err != nil || d == nil {
		return err
	}
	if t, ok := d.Get("T").(String); ok {
		name = joinFieldName(name, decodeText(t))
	}
	if f := d.Name("FT"); f != "" {
		ft = f
	}
	if v := d.Get("V"); ft == "Sig" && v != nil {
		ref, _ := v.(Ref)
		w.out = append(w.out, sigField{name: name, value: ref})
	}
	kids, err := w.r.resolveArray(d.Get("Kids"))
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := w.walk(k, name, ft, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func joinFieldName(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// checkSignatures finds and checks every signature of the last revision.
func (v *verifier) checkSignatures() error {
	fields, err := sigFields(v.last().view)
	if err != nil {
		v.problem("the signature fields cannot be read: %s", esign.ErrorMessage(err))
	}
	v.checkRemovedSignatures(fields)
	for _, f := range fields {
		if err := v.ctx.Err(); err != nil {
			return err
		}
		s := &sigState{field: f}
		v.checkSignature(s)
		v.sigs = append(v.sigs, s)
	}
	slices.SortStableFunc(v.sigs, func(a, b *sigState) int {
		return cmp.Or(cmp.Compare(a.rep.Revision, b.rep.Revision), cmp.Compare(a.rep.Object, b.rep.Object))
	})
	for _, s := range v.sigs {
		v.report.Signatures = append(v.report.Signatures, s.rep)
	}
	return nil
}

// checkRemovedSignatures flags a signature that an earlier revision had
// and the last one no longer lists: whoever removed it also escaped its
// check of the changes made after it.
func (v *verifier) checkRemovedSignatures(final []sigField) {
	have := map[int64]bool{}
	for _, f := range final {
		have[f.value.Num] = true
	}
	reported := map[int64]bool{}
	for _, rev := range v.revs[:len(v.revs)-1] {
		fields, err := sigFields(rev.view)
		if err != nil {
			continue
		}
		for _, f := range fields {
			if f.value.Num != 0 && !have[f.value.Num] && !reported[f.value.Num] {
				reported[f.value.Num] = true
				v.problem("the signature field %q of revision %d was removed from the document later", f.name, rev.index)
			}
		}
	}
}

// checkSignature checks one signature field's signature.
func (v *verifier) checkSignature(s *sigState) {
	s.rep = SignatureReport{Field: s.field.name, Object: s.field.value.Num, Revision: -1, Type: "signature"}
	if s.field.value.Num == 0 {
		s.problem("/V is not a reference to a signature dictionary")
		return
	}
	off, rev := v.sigDictAt(s.field.value.Num)
	if rev == nil {
		s.problem("the signature dictionary (object %d) is not stored as a plain object in any revision", s.field.value.Num)
		return
	}
	s.rev, s.rep.Revision = rev, rev.index
	if loc, err := v.r.locate(s.field.value.Num); err == nil && (loc.kind != locOffset || loc.a != off) {
		s.problem("the signature dictionary was redefined after it was signed (shadow attack)")
	}
	sd, err := parseSigDict(v.r, off, s.field.value.Num)
	if err != nil {
		s.problem("the signature dictionary cannot be read: %s", esign.ErrorMessage(err))
		return
	}
	v.describeSigDict(s, sd.dict)
	for _, k := range sd.dupes {
		s.problem("the signature dictionary has /%s twice", k)
	}
	br, ok := checkByteRange(s, sd.dict, v.size)
	if !ok {
		return
	}
	v.checkGap(s, sd, br)
	v.checkCoverage(s, br)
	der, ok := cmsFromContents(s, sd.dict)
	if !ok {
		return
	}
	switch s.rep.SubFilter {
	case "ETSI.RFC3161":
		v.checkDocTimestamp(s, der, br)
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
		v.checkCMS(s, der, br)
	default:
		s.problem("/SubFilter /%s is not supported", s.rep.SubFilter)
	}
}

// sigDictAt finds where the signature dictionary num was first written:
// the oldest revision that defines it as a plain object. What was signed
// is checked there; a later redefinition is a change the revision
// analysis judges.
func (v *verifier) sigDictAt(num int64) (int64, *revision) {
	for _, rev := range v.revs {
		loc, err := rev.view.locate(num)
		if err != nil || loc.kind != locOffset {
			continue
		}
		if at := v.revisionAt(loc.a); at != nil {
			return loc.a, at
		}
	}
	return 0, nil
}

// describeSigDict fills the report's fields from the dictionary.
func (v *verifier) describeSigDict(s *sigState, d Dict) {
	s.rep.SubFilter = string(d.Name("SubFilter"))
	if d.Name("Type") == "DocTimeStamp" || s.rep.SubFilter == "ETSI.RFC3161" {
		s.rep.Type = "document_timestamp"
	}
	if m, ok := d.Get("M").(String); ok {
		s.rep.SigningTime, _ = parsePDFDate(string(m))
	}
}

// checkByteRange checks that /ByteRange is [0 a b c] with a gap between
// two ascending ranges inside the file.
func checkByteRange(s *sigState, d Dict, size int64) ([4]int64, bool) {
	var br [4]int64
	arr, ok := d.Get("ByteRange").(Array)
	if !ok || len(arr) != 4 {
		s.problem("/ByteRange is not an array of exactly 4 integers")
		return br, false
	}
	for i, o := range arr {
		n, ok := o.(Integer)
		if !ok || n < 0 {
			s.problem("/ByteRange is not an array of exactly 4 non-negative integers")
			return br, false
		}
		br[i] = int64(n)
	}
	s.rep.ByteRange = br[:]
	switch {
	case br[0] != 0:
		s.problem("/ByteRange does not start at the beginning of the file")
	case br[1] == 0 || br[2] <= br[0]+br[1]:
		s.problem("/ByteRange ranges overlap, are out of order or leave no gap for the signature")
	case br[2]+br[3] > size:
		s.problem("/ByteRange runs past the end of the file (%d bytes)", size)
	default:
		return br, true
	}
	return br, false
}

// maxContentsHex bounds the gap read for checking.
const maxContentsHex = 2*maxTokenLen + 2

// checkGap checks that the gap between the ranges is exactly the
// signature's /Contents hex string, angle brackets included.
func (v *verifier) checkGap(s *sigState, sd *sigDict, br [4]int64) {
	start, end := br[0]+br[1], br[2]
	if start != sd.contentsStart || end != sd.contentsEnd {
		s.problem("the ByteRange gap [%d, %d) is not exactly the signature's /Contents string [%d, %d)", start, end, sd.contentsStart, sd.contentsEnd)
		return
	}
	if end-start > maxContentsHex || end-start < 2 {
		s.problem("the ByteRange gap of %d bytes cannot be the /Contents string", end-start)
		return
	}
	gap := make([]byte, end-start)
	if _, err := v.ra.ReadAt(gap, start); err != nil {
		s.problem("the ByteRange gap cannot be read")
		return
	}
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		s.problem("the ByteRange gap does not start with '<' and end with '>'")
		return
	}
	for _, c := range gap[1 : len(gap)-1] {
		if _, ok := unhex(c); !ok {
			s.problem("the ByteRange gap holds %q, which is not a hex digit", c)
			return
		}
	}
}

// checkCoverage decides whether the signature covers its whole revision
// and the whole file. Only end-of-line bytes may follow the %%EOF.
func (v *verifier) checkCoverage(s *sigState, br [4]int64) {
	end := br[2] + br[3]
	if end <= s.rev.end && end > br[2] {
		n, err := nonWhiteAfter(v.ra, end, s.rev.end)
		s.rep.CoversWholeDocument = err == nil && n == 0
	}
	if n, err := nonWhiteAfter(v.ra, end, v.size); err == nil && n == 0 {
		s.rep.CoversWholeFile = true
	}
	if !s.rep.CoversWholeDocument {
		s.problem("the ByteRange ends at %d, not at the end of revision %d (%d), where the signature was written", end, s.rev.index, s.rev.end)
	}
}

// cmsFromContents returns the DER structure at the start of /Contents; the
// rest must be zero padding.
func cmsFromContents(s *sigState, d Dict) ([]byte, bool) {
	c, ok := d.Get("Contents").(String)
	if !ok {
		s.problem("/Contents is not a string")
		return nil, false
	}
	b := []byte(c)
	if len(b) == 0 || allZero(b) {
		s.problem("/Contents is empty: there is no signature")
		return nil, false
	}
	n, err := derLength(b)
	if err != nil {
		s.problem("/Contents is not a DER signature: %v", err)
		return nil, false
	}
	if !allZero(b[n:]) {
		s.problem("/Contents has data after its DER signature")
		return nil, false
	}
	return b[:n], true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
