package pades

import (
	"bytes"
	"context"
	"io"
	"strconv"

	"github.com/gsign/gsign/internal/esign"
)

// revision is one revision of the file: the bytes (start, end] and the
// cross-reference sections written in them, newest first. Usually one
// section; a linearized original has two.
type revision struct {
	index      int
	start, end int64
	sections   []*Section
	// first is the index in Reader.Sections of the newest section.
	first int
	// view reads the document as it was at the end of this revision.
	view *Reader
}

// openVerifier reads the file's structure. A file that does not read as a
// whole but whose beginning does, up to an earlier %%EOF (an update with a
// broken /Prev, kilobytes of garbage appended), is verified as far as it
// reads, with a problem saying so: a damaged signed file is invalid, not
// unreadable.
func openVerifier(ctx context.Context, ra io.ReaderAt, size int64, opts VerifyOptions) (*verifier, error) {
	v := &verifier{ctx: ctx, opts: opts, ra: ra, size: size}
	r, err := NewReader(ra, size)
	if err == nil {
		v.r = r
		return v, v.splitRevisions()
	}
	markers, serr := scanMarkers(ctx, ra, size)
	if serr != nil {
		return nil, serr
	}
	for i := len(markers) - 1; i >= 0; i-- {
		end := markers[i].eofEnd
		if end >= size {
			continue
		}
		prefix := io.NewSectionReader(ra, 0, end)
		pr, perr := NewReader(prefix, end)
		if perr != nil {
			continue
		}
		v.r, v.ra, v.size = pr, prefix, end
		v.problem("the file does not read as a whole (%s); only its first %d bytes, up to an earlier %%%%EOF, could be checked", esign.ErrorMessage(err), end)
		return v, v.splitRevisions()
	}
	return nil, err
}

// splitRevisions groups the cross-reference sections into revisions,
// oldest first, and checks that they follow each other in the file.
func (v *verifier) splitRevisions() error {
	secs := v.r.Sections()
	for i := len(secs) - 1; i >= 0; i-- {
		sec := secs[i]
		end, err := v.r.RevisionEnd(sec)
		if err != nil {
			v.problem("no %%%%EOF follows the cross-reference section at %d", sec.Offset)
			end = sec.end
		}
		if n := len(v.revs); n > 0 && end <= v.revs[n-1].end {
			// A section closed by an earlier %%EOF: the first-page section
			// of a linearized original. Anywhere else it rewrites a
			// revision from inside.
			last := v.revs[n-1]
			if last.index != 0 {
				v.problem("the cross-reference section at %d lies inside revision %d", sec.Offset, last.index)
			}
			last.sections = append([]*Section{sec}, last.sections...)
			last.first = i
			continue
		}
		rev := &revision{index: len(v.revs), end: end, sections: []*Section{sec}, first: i}
		if n := len(v.revs); n > 0 {
			rev.start = v.revs[n-1].end
		}
		if sec.Offset < rev.start {
			v.problem("the cross-reference section of revision %d (at %d) starts inside revision %d", rev.index, sec.Offset, rev.index-1)
		}
		v.revs = append(v.revs, rev)
	}
	for _, rev := range v.revs {
		rev.view = v.viewAt(rev)
		v.report.Revisions = append(v.report.Revisions, RevisionReport{
			Index: rev.index, Offset: rev.start, End: rev.end,
			XRefOffset: rev.sections[0].Offset, Kind: rev.sections[0].Kind.String(),
		})
	}
	return nil
}

// viewAt returns a Reader of the document as it was when rev was written:
// only its sections and older ones, and only its bytes. Copying the
// Reader keeps whatever else it carries.
func (v *verifier) viewAt(rev *revision) *Reader {
	view := *v.r
	view.sections = v.r.sections[rev.first:]
	view.startxref = view.sections[0].Offset
	view.locs = map[int64]location{}
	view.depth = 0
	view.size = min(rev.end, v.r.size)
	return &view
}

// last returns the newest revision.
func (v *verifier) last() *revision { return v.revs[len(v.revs)-1] }

// revisionAt returns the revision whose bytes hold offset off.
func (v *verifier) revisionAt(off int64) *revision {
	for _, rev := range v.revs {
		if off >= rev.start && off < rev.end {
			return rev
		}
	}
	return nil
}

// checkLayout flags bytes after the last revision and cross-reference
// sections that the /Prev chain does not reach.
func (v *verifier) checkLayout() {
	end := v.last().end
	if n, err := nonWhiteAfter(v.ra, end, v.size); err != nil || n > 0 {
		v.problem("%d bytes after the last revision's %%%%EOF (at %d) are not part of any revision", v.size-end, end)
	}
	markers, err := scanMarkers(v.ctx, v.ra, v.size)
	if err != nil {
		return // ctx: run reports it
	}
	chained := map[int64]bool{}
	for _, sec := range v.r.Sections() {
		chained[sec.Offset] = true
		chained[sec.XRefStm] = true
	}
	for _, m := range markers {
		if m.xref <= 0 || m.xref >= v.size || chained[m.xref] {
			continue
		}
		if _, err := v.r.readSection(m.xref); err == nil {
			v.problem("the cross-reference section at %d (of a revision ending at %d) is not chained by /Prev to the others: a second, unchained xref", m.xref, m.eofEnd)
		}
	}
}

// nonWhiteAfter counts the bytes in [from, to) that are not white space.
func nonWhiteAfter(ra io.ReaderAt, from, to int64) (int64, error) {
	var n int64
	buf := make([]byte, 32<<10)
	for off := from; off < to; {
		k := min(int64(len(buf)), to-off)
		if _, err := ra.ReadAt(buf[:k], off); err != nil && err != io.EOF {
			return 0, err
		}
		for _, c := range buf[:k] {
			if !isWhite(c) {
				n++
			}
		}
		off += k
	}
	return n, nil
}

// marker is a "startxref N %%EOF" found anywhere in the file.
type marker struct {
	xref   int64 // N
	eofEnd int64 // just past %%EOF and its end-of-line
}

// scanMarkers finds every "startxref N %%EOF" in the file, in order. It
// reads the whole file once.
func scanMarkers(ctx context.Context, ra io.ReaderAt, size int64) ([]marker, error) {
	const chunk = 1 << 20
	kw := []byte("startxref")
	buf := make([]byte, chunk+len(kw))
	var out []marker
	for off := int64(0); off < size; off += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(int64(len(buf)), size-off)
		if _, err := ra.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return nil, err
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], kw)
			if j < 0 || int64(i+j) >= chunk {
				break
			}
			if m, ok := readMarker(ra, off+int64(i+j)+int64(len(kw)), size); ok {
				out = append(out, m)
			}
			i += j + len(kw)
		}
	}
	return out, nil
}

// readMarker parses " N %%EOF" at off.
func readMarker(ra io.ReaderAt, off, size int64) (marker, bool) {
	b := make([]byte, min(64, size-off))
	n, _ := ra.ReadAt(b, off)
	b = b[:n]
	f := bytes.Fields(b)
	if len(f) < 2 || !bytes.HasPrefix(f[1], []byte("%%EOF")) {
		return marker{}, false
	}
	x, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return marker{}, false
	}
	end := bytes.Index(b, []byte("%%EOF")) + len("%%EOF")
	switch {
	case bytes.HasPrefix(b[end:], []byte("\r\n")):
		end += 2
	case bytes.HasPrefix(b[end:], []byte("\n")), bytes.HasPrefix(b[end:], []byte("\r")):
		end++
	}
	return marker{xref: x, eofEnd: off + int64(end)}, true
}
