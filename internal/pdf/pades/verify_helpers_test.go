package pades

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// handUpdate is an incremental update written by hand, as an attacker or
// another tool would: the objects (bodies in PDF syntax; a stream body
// holds "stream\n"), a classic xref table, and a trailer that carries
// over /Root, /Info and /ID.
type handUpdate struct {
	objects map[int64]string
	free    []int64         // objects to mark free
	repoint map[int64]int64 // entries pointing to existing bytes, no object written
	noPrev  bool            // omit /Prev: a second, unchained xref
	prev    int64           // if non-zero, /Prev points here instead
	extra   string          // more trailer entries
}

// appendRevision appends u to pdf.
func appendRevision(t testing.TB, pdf []byte, u handUpdate) []byte {
	t.Helper()
	r, err := NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatalf("read before update: %v", err)
	}
	b := bytes.NewBuffer(bytes.Clone(pdf))
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		b.WriteByte('\n')
	}
	nums := slices.Sorted(maps.Keys(u.objects))
	offsets := map[int64]int{}
	size := nextObjectNumber(r)
	for _, n := range nums {
		offsets[n] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n, u.objects[n])
		size = max(size, n+1)
	}
	xref := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f\r\n")
	for n, off := range u.repoint {
		offsets[n] = int(off)
	}
	for _, n := range slices.Sorted(maps.Keys(offsets)) {
		fmt.Fprintf(b, "%d 1\n%010d 00000 n\r\n", n, offsets[n])
	}
	for _, n := range u.free {
		fmt.Fprintf(b, "%d 1\n0000000000 00001 f\r\n", n)
	}
	tr := r.Trailer()
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root %s", size, serialize(t, tr.Get("Root")))
	for _, key := range []Name{"Info", "ID"} {
		if o := tr.Get(key); o != nil {
			fmt.Fprintf(b, " /%s %s", key, serialize(t, o))
		}
	}
	switch {
	case u.prev != 0:
		fmt.Fprintf(b, " /Prev %d", u.prev)
	case !u.noPrev:
		fmt.Fprintf(b, " /Prev %d", r.StartXRef())
	}
	fmt.Fprintf(b, "%s >>\nstartxref\n%d\n%%%%EOF\n", u.extra, xref)
	return b.Bytes()
}

// serialize writes o in PDF syntax with the package's own writer.
func serialize(t testing.TB, o Object) string {
	t.Helper()
	b, err := appendObject(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// streamBody is the body of a stream object holding data.
func streamBody(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// docState is what the helpers need to know of a document to update it.
type docState struct {
	r       *Reader
	next    int64
	catRef  Ref
	cat     Dict
	pageRef Ref
	page    Dict
}

func stateOf(t testing.TB, pdf []byte) docState {
	t.Helper()
	r, err := NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	s := docState{r: r, next: nextObjectNumber(r)}
	if s.catRef, s.cat, err = r.Catalog(); err != nil {
		t.Fatal(err)
	}
	if s.pageRef, s.page, err = r.FirstPage(); err != nil {
		t.Fatal(err)
	}
	return s
}

// addDSS appends a DSS-only revision: the root certificate as a /Certs
// stream, the DSS dictionary and the catalog pointing to it. On a second
// call the DSS dictionary is rewritten with one more certificate.
func addDSS(t testing.TB, pdf []byte, cert []byte) []byte {
	t.Helper()
	s := stateOf(t, pdf)
	certNum := s.next
	objs := map[int64]string{certNum: streamBody("", cert)}
	certs := Array{Ref{Num: certNum}}
	if dssRef, ok := s.cat.Get("DSS").(Ref); ok {
		old, err := s.r.ResolveDict(dssRef)
		if err != nil {
			t.Fatal(err)
		}
		prev, _ := old.Get("Certs").(Array)
		objs[dssRef.Num] = serialize(t, Dict{{"Type", Name("DSS")}, {"Certs", append(slices.Clone(prev), certs...)}})
		return appendRevision(t, pdf, handUpdate{objects: objs})
	}
	dssNum := s.next + 1
	objs[dssNum] = serialize(t, Dict{{"Type", Name("DSS")}, {"Certs", certs}})
	cat := s.cat.Clone()
	cat.Set("DSS", Ref{Num: dssNum})
	objs[s.catRef.Num] = serialize(t, cat)
	return appendRevision(t, pdf, handUpdate{objects: objs})
}

// addDocTimestamp appends a document timestamp revision (/SubFilter
// /ETSI.RFC3161), as a B-LTA writer does: the timestamp dictionary, an
// invisible field on page 1, the page and AcroForm with the field
// appended. The token comes from the test TSA.
func addDocTimestamp(t testing.TB, pki *testPKI, pdf []byte) []byte {
	t.Helper()
	return fillDocTimestamp(t, pki, pdf, Ref{})
}

// fillDocTimestamp is addDocTimestamp that, given an existing empty
// signature field, signs that field rather than adding one, as signers of
// documents with pre-placed signature fields do.
func fillDocTimestamp(t testing.TB, pki *testPKI, pdf []byte, field Ref) []byte {
	t.Helper()
	s := stateOf(t, pdf)
	sigNum, fieldNum := s.next, s.next+1
	const room = 8 << 10
	objs := map[int64]string{
		sigNum: "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 0000000000 0000000000 0000000000] /Contents <" +
			strings.Repeat("0", 2*room) + "> >>",
	}
	if field.Num != 0 {
		d, err := s.r.ResolveDict(field)
		if err != nil {
			t.Fatal(err)
		}
		d = d.Clone()
		d.Set("V", Ref{Num: sigNum})
		objs[field.Num] = serialize(t, d)
		out := appendRevision(t, pdf, handUpdate{objects: objs})
		return fillTimestamp(t, pki, out, len(pdf), room)
	}
	objs[fieldNum] = serialize(t, Dict{{"Type", Name("Annot")}, {"Subtype", Name("Widget")}, {"FT", Name("Sig")}, {"T", String("DocTimeStamp")},
		{"V", Ref{Num: sigNum}}, {"Rect", Array{Integer(0), Integer(0), Integer(0), Integer(0)}}, {"F", Integer(132)}, {"P", s.pageRef}})
	appendTo(t, s.r, objs, s.page.Get("Annots"), s.pageRef, s.page, "Annots", Ref{Num: fieldNum})
	formRef, ok := s.cat.Get("AcroForm").(Ref)
	if !ok {
		t.Fatal("addDocTimestamp needs an indirect AcroForm")
	}
	form, _ := s.r.ResolveDict(formRef)
	appendTo(t, s.r, objs, form.Get("Fields"), formRef, form, "Fields", Ref{Num: fieldNum})
	out := appendRevision(t, pdf, handUpdate{objects: objs})
	return fillTimestamp(t, pki, out, len(pdf), room)
}

// appendTo appends ref to the array at holder[key]: a new version of the
// array object if it is indirect, else of the holder.
func appendTo(t testing.TB, r *Reader, objs map[int64]string, arr Object, holderRef Ref, holder Dict, key Name, ref Ref) {
	t.Helper()
	a, err := r.resolveArray(arr)
	if err != nil {
		t.Fatal(err)
	}
	a = append(slices.Clone(a), ref)
	if aref, ok := arr.(Ref); ok {
		objs[aref.Num] = serialize(t, a)
		return
	}
	h := holder.Clone()
	h.Set(key, a)
	objs[holderRef.Num] = serialize(t, h)
}

// fillTimestamp fills the ByteRange and /Contents placeholders of the
// update starting at base with a timestamp over the signed bytes.
func fillTimestamp(t testing.TB, pki *testPKI, out []byte, base, room int) []byte {
	t.Helper()
	at := bytes.Index(out[base:], []byte("/ByteRange [")) + base + len("/ByteRange [")
	hole := bytes.Index(out[base:], []byte("/Contents <")) + base + len("/Contents ")
	end := hole + 2 + 2*room
	br := fmt.Sprintf("0 %d %d %d", hole, end, len(out)-end)
	copy(out[at:], br+strings.Repeat(" ", len("0 0000000000 0000000000 0000000000")-len(br)))
	h := sha256.New()
	h.Write(out[:hole])
	h.Write(out[end:])
	token, err := localTSA{pki: pki}.Timestamp(context.Background(), h.Sum(nil), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	hex.Encode(out[hole+1:], token)
	return out
}

// evidenceJSON returns a GSign evidence file with a valid audit chain of
// three events, or, if broken, one whose second event was altered after
// it was hashed.
func evidenceJSON(t testing.TB, broken bool) []byte {
	t.Helper()
	prev := esign.GenesisHash
	var events []esign.EvidenceEvent
	for i, typ := range []string{esign.AuditCreated, esign.AuditSent, esign.AuditCompleted} {
		e := &esign.AuditEvent{EnvelopeID: "env_test", Seq: int64(i + 1), Version: 1, Type: typ,
			Actor:      esign.Actor{Type: esign.ActorSystem, ID: "system"},
			OccurredAt: time.Date(2025, 3, 14, 15, 0, i, 0, time.UTC), Data: map[string]string{"n": fmt.Sprint(i)}, PreviousHash: prev}
		h, err := e.ComputeHash()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, esign.EvidenceEvent{Seq: e.Seq, Version: 1, Type: typ,
			Actor:      esign.EvidenceActor{Type: string(e.Actor.Type), ID: e.Actor.ID},
			OccurredAt: e.OccurredAt.Format(esign.AuditTimeFormat), Data: e.Data, PreviousHash: prev, Hash: h})
		prev = h
	}
	if broken {
		events[1].Data = map[string]string{"n": "tampered"}
	}
	sum := sha256.Sum256([]byte("original"))
	b, err := json.Marshal(map[string]any{
		"format": "gsign-evidence", "version": esign.EvidenceVersion, "generated_at": "2025-03-14T15:09:26.000000Z",
		"envelope":   map[string]any{"id": "env_test", "name": "Test", "organization_id": "org_test", "status": "completed", "created_at": "2025-03-14T15:00:00.000000Z"},
		"documents":  []map[string]any{{"id": "doc_test", "name": "a.pdf", "pages": 1, "size": 100, "original_sha256": hex.EncodeToString(sum[:])}},
		"recipients": []any{}, "fields": []any{},
		"audit": map[string]any{"encoding": "gsign-audit-v1", "head_seq": len(events), "head_hash": prev, "events": events},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// evidenceDoc is a one-page document with data embedded as evidence.json,
// listed in /EmbeddedFiles and /AF as GSign's Stamper does.
func evidenceDoc(data []byte) *testDoc {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(data)
	w.Close()
	sum := md5.Sum(data)
	return withObjects(map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(evidence.json) 5 0 R] >> >> /AF [5 0 R] >>",
		5: "<< /Type /Filespec /F (evidence.json) /UF (evidence.json) /AFRelationship /Supplement /EF << /F 6 0 R /UF 6 0 R >> >>",
		6: streamBody(fmt.Sprintf("/Type /EmbeddedFile /Subtype /application#2Fjson /Filter /FlateDecode /Params << /Size %d /CheckSum <%x> >>", len(data), sum), z.Bytes()),
	})
}

// verifyPDF runs Verify with the test root as the trust anchor.
func verifyPDF(t testing.TB, pdf []byte) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), VerifyOptions{Roots: getPKI(t).rootPool})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// reportJSON renders rep for failure messages.
func reportJSON(rep *Report) string {
	b, _ := json.MarshalIndent(rep, "", "  ")
	return string(b)
}

// addEmptyField appends a revision adding an invisible, unsigned
// signature field, as a tool preparing a further signature does.
func addEmptyField(t testing.TB, pdf []byte) []byte {
	t.Helper()
	s := stateOf(t, pdf)
	objs := map[int64]string{s.next: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Next) /Rect [0 0 0 0] /F 132 /P %d 0 R >>", s.pageRef.Num)}
	appendTo(t, s.r, objs, s.page.Get("Annots"), s.pageRef, s.page, "Annots", Ref{Num: s.next})
	formRef := s.cat.Get("AcroForm").(Ref)
	form, err := s.r.ResolveDict(formRef)
	if err != nil {
		t.Fatal(err)
	}
	appendTo(t, s.r, objs, form.Get("Fields"), formRef, form, "Fields", Ref{Num: s.next})
	return appendRevision(t, pdf, handUpdate{objects: objs})
}
