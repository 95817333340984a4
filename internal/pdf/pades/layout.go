package pades

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// byteRangeWidth is the room reserved for "0 a b c" inside /ByteRange [ ]:
// three ten-digit numbers, enough for files up to 9.3 GB.
const byteRangeWidth = 2 + 3*11

// update is the rendered incremental update. The bytes between holeStart
// and holeEnd are the /Contents hex string, '<' and '>' included: the part
// of the file the signature does not cover.
type update struct {
	buf                []byte
	holeStart, holeEnd int
}

// xrefEntry is one object written by the update and where it starts.
type xrefEntry struct {
	ref Ref
	off int64
}

// render writes the update with a /Contents hole for a CMS of up to
// cmsSize bytes and fills in the /ByteRange, which only depends on lengths.
func (p *plan) render(info esign.SealInfo, at time.Time, cmsSize int) (*update, error) {
	u := &update{buf: make([]byte, 0, 8192+2*cmsSize)}
	if p.needEOL {
		u.buf = append(u.buf, '\n')
	}
	var entries []xrefEntry
	entries = append(entries, xrefEntry{p.sig, p.offset(u.buf)})
	rangeAt := u.appendSigDict(p.sig, info, at, cmsSize)
	for _, o := range p.objects {
		entries = append(entries, xrefEntry{o.ref, p.offset(u.buf)})
		u.buf = fmt.Appendf(u.buf, "%d %d obj\n", o.ref.Num, o.ref.Gen)
		var err error
		if u.buf, err = appendObject(u.buf, o.obj); err != nil {
			return nil, fmt.Errorf("write object %d: %w", o.ref.Num, err)
		}
		u.buf = append(u.buf, "\nendobj\n"...)
	}
	trailer := p.trailer(at)
	if p.stream {
		u.buf = p.appendXRefStream(u.buf, entries, trailer)
	} else {
		u.buf = p.appendXRefTable(u.buf, entries, trailer)
	}
	return u, u.fillByteRange(rangeAt, p.origSize)
}

// offset returns the file offset at which the next byte of buf will land.
func (p *plan) offset(buf []byte) int64 { return p.origSize + int64(len(buf)) }

// appendSigDict writes the signature dictionary and returns where its
// ByteRange numbers go.
func (u *update) appendSigDict(ref Ref, info esign.SealInfo, at time.Time, cmsSize int) int {
	b := fmt.Appendf(u.buf, "%d %d obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [", ref.Num, ref.Gen)
	rangeAt := len(b)
	b = append(b, bytes.Repeat([]byte{' '}, byteRangeWidth)...)
	b = append(b, "] /Contents "...)
	u.holeStart = len(b)
	b = append(b, '<')
	b = append(b, bytes.Repeat([]byte{'0'}, 2*cmsSize)...)
	b = append(b, '>')
	u.holeEnd = len(b)
	b = append(b, " /M "...)
	b = appendString(b, pdfDate(at))
	for _, e := range []struct {
		key  Name
		text string
	}{{"Name", info.Name}, {"Reason", info.Reason}, {"Location", info.Location}, {"ContactInfo", info.Contact}} {
		if e.text != "" {
			b = append(appendName(append(b, ' '), e.key), ' ')
			b = appendString(b, string(textString(e.text)))
		}
	}
	u.buf = append(b, ">>\nendobj\n"...)
	return rangeAt
}

// fillByteRange writes [0 a b c] over the placeholder at rangeAt: the
// whole file except the /Contents hole.
func (u *update) fillByteRange(rangeAt int, origSize int64) error {
	start := origSize + int64(u.holeStart)
	end := origSize + int64(u.holeEnd)
	total := origSize + int64(len(u.buf))
	s := fmt.Sprintf("0 %d %d %d", start, end, total-end)
	if len(s) > byteRangeWidth {
		return fmt.Errorf("fill byte range: file too large (%d bytes)", total)
	}
	copy(u.buf[rangeAt:], s)
	return nil
}

// pdfDate formats t as a PDF date string.
func pdfDate(t time.Time) string {
	return t.Format("D:20060102150405-07'00'")
}

// trailer returns the entries the new section's trailer carries over or
// renews: /Root, /Info and /ID, whose first element stays and whose second
// is new, as the spec asks of an updated file.
func (p *plan) trailer(at time.Time) Dict {
	h := sha256.New()
	fmt.Fprintf(h, "%x|%d|%s|%d", string(p.id0), p.origSize, p.fieldName, at.UnixNano())
	id1 := String(h.Sum(nil)[:16])
	id0 := p.id0
	if id0 == "" {
		id0 = id1
	}
	d := Dict{{"Root", p.root}}
	if p.info != nil {
		d = append(d, Entry{"Info", p.info})
	}
	return append(d, Entry{"ID", Array{id0, id1}}, Entry{"Prev", Integer(p.prev)})
}
