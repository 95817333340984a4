package pades

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/gsign/gsign/internal/esign"
)

// evidenceName is the embedded file GSign seals into every document.
const evidenceName = "evidence.json"

// maxEvidence bounds the evidence read.
const maxEvidence = 64 << 20

// checkEvidence finds evidence.json among the last revision's embedded
// and associated files and checks its audit chain. A document without
// one (a third party's signed PDF) is not invalid for that.
func (v *verifier) checkEvidence() {
	rep := &EvidenceReport{}
	v.report.Evidence = rep
	data, found, err := findEvidence(v.last().view)
	if !found {
		return
	}
	rep.Present = true
	if err != nil {
		rep.Problem = err.Error()
		return
	}
	ev, err := esign.ParseEvidence(data)
	if err != nil {
		rep.Problem = esign.ErrorMessage(err)
		return
	}
	rep.EnvelopeID, rep.HeadSeq, rep.HeadHash = ev.Envelope.ID, ev.Audit.HeadSeq, ev.Audit.HeadHash
	if cp := esign.VerifyEvidence(ev); cp != nil {
		rep.Problem = fmt.Sprintf("the audit chain is broken at event %d: %s", cp.Seq, cp.Reason)
		return
	}
	rep.ChainOK = true
	for i, d := range ev.Documents {
		if b, err := hex.DecodeString(d.OriginalSHA256); err != nil || len(b) != 32 || hex.EncodeToString(b) != d.OriginalSHA256 {
			rep.Problem = fmt.Sprintf("document %d's original_sha256 %q is not a lowercase hex SHA-256", i+1, d.OriginalSHA256)
			return
		}
	}
}

// findEvidence returns the data of evidence.json, looked up in the
// /EmbeddedFiles name tree and in /AF. Copies must agree.
func findEvidence(r *Reader) ([]byte, bool, error) {
	_, cat, err := r.Catalog()
	if err != nil {
		return nil, false, nil
	}
	var specs []Object
	if names, err := r.ResolveDict(cat.Get("Names")); err == nil && names != nil {
		w := nameTreeWalk{r: r, seen: map[int64]bool{}, fn: func(key String, val Object) {
			if decodeText(key) == evidenceName {
				specs = append(specs, val)
			}
		}}
		if err := w.walk(names.Get("EmbeddedFiles"), 0); err != nil {
			return nil, true, fmt.Errorf("the embedded files cannot be read: %s", esign.ErrorMessage(err))
		}
	}
	af, _ := r.resolveArray(cat.Get("AF"))
	for _, o := range af {
		if d, err := r.ResolveDict(o); err == nil && fileSpecName(d) == evidenceName {
			specs = append(specs, o)
		}
	}
	if len(specs) == 0 {
		return nil, false, nil
	}
	var data []byte
	for i, s := range specs {
		b, err := readEmbedded(r, s)
		if err != nil {
			return nil, true, err
		}
		if i > 0 && !bytes.Equal(b, data) {
			return nil, true, errors.New("two different evidence.json files are embedded")
		}
		data = b
	}
	return data, true, nil
}

// nameTreeWalk visits the entries of a name tree.
type nameTreeWalk struct {
	r    *Reader
	seen map[int64]bool
	fn   func(String, Object)
}

func (w *nameTreeWalk) walk(node Object, depth int) error {
	if node == nil {
		return nil
	}
	if ref, ok := node.(Ref); ok {
		if w.seen[ref.Num] {
			return malformed("name tree loops at object %d", ref.Num)
		}
		w.seen[ref.Num] = true
	}
	if depth > maxTreeDepth || len(w.seen) > maxFields {
		return malformed("name tree too deep or too large")
	}
	d, err := w.r.ResolveDict(node)
	if err != nil || d == nil {
		return err
	}
	kids, err := w.r.resolveArray(d.Get("Kids"))
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := w.walk(k, depth+1); err != nil {
			return err
		}
	}
	pairs, err := w.r.resolveArray(d.Get("Names"))
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if key, ok := pairs[i].(String); ok {
			w.fn(key, pairs[i+1])
		}
	}
	return nil
}

// fileSpecName returns a file specification's /UF, else /F.
func fileSpecName(d Dict) string {
	for _, key := range []Name{"UF", "F"} {
		if s, ok := d.Get(key).(String); ok {
			return decodeText(s)
		}
	}
	return ""
}

// readEmbedded returns the decoded data of a file specification's
// embedded file, checked against its /CheckSum when it has one.
func readEmbedded(r *Reader, spec Object) ([]byte, error) {
	d, err := r.ResolveDict(spec)
	if err != nil || d == nil {
		return nil, errors.New("the evidence file specification cannot be read")
	}
	ef, err := r.ResolveDict(d.Get("EF"))
	if err != nil || ef == nil {
		return nil, errors.New("the evidence file specification has no embedded file")
	}
	so := ef.Get("UF")
	if so == nil {
		so = ef.Get("F")
	}
	o, err := r.Resolve(so)
	s, ok := o.(*Stream)
	if err != nil || !ok {
		return nil, errors.New("the embedded evidence is not a stream")
	}
	data, err := r.StreamData(s)
	if err != nil {
		return nil, fmt.Errorf("the embedded evidence cannot be decoded: %s", esign.ErrorMessage(err))
	}
	b, err := io.ReadAll(io.LimitReader(data, maxEvidence+1))
	if err != nil || len(b) > maxEvidence {
		return nil, errors.New("the embedded evidence cannot be read or is too large")
	}
	params, _ := r.ResolveDict(s.Dict.Get("Params"))
	if sum, ok := params.Get("CheckSum").(String); ok && len(sum) == md5.Size {
		if got := md5.Sum(b); !bytes.Equal(got[:], []byte(sum)) {
			return nil, errors.New("the embedded evidence does not match its /CheckSum")
		}
	}
	return b, nil
}

// checkSealedTail: a document carrying GSign evidence is sealed, so only
// validation data may follow its last signature.
func (v *verifier) checkSealedTail() {
	if e := v.report.Evidence; e == nil || !e.Present {
		return
	}
	last := -1
	for _, s := range v.sigs {
		if s.rev != nil {
			last = max(last, s.rev.index)
		}
	}
	if last < 0 {
		return
	}
	for _, rr := range v.report.Revisions[last+1:] {
		for _, ch := range rr.Changes {
			if ch.Allowed && ch.Kind != "dss" && ch.Kind != "xref_stream" && ch.Kind != "object_stream" {
				v.problem("the document is sealed, but revision %d, which no signature covers, changes more than validation data (object %d: %s)", rr.Index, ch.Object, ch.Reason)
				break
			}
		}
	}
}
