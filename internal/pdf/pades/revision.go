package pades

import (
	"bytes"
	"io"
)

// eofWindow is how far past a section's trailer or xref stream data the
// %%EOF marker that closes its revision is looked for: "endstream endobj
// startxref <offset>" and some slack.
const eofWindow = 1024

// RevisionEnd returns the offset just past the %%EOF marker (and the
// end-of-line after it, if any) that closes the revision whose
// cross-reference section is s. A signature that covers a whole revision
// has a ByteRange ending there; the newest revision normally ends at Size.
func (r *Reader) RevisionEnd(s *Section) (int64, error) {
	n := min(eofWindow, r.size-s.end)
	buf := make([]byte, n)
	if _, err := r.ra.ReadAt(buf, s.end); err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.Index(buf, []byte("%%EOF"))
	if i < 0 {
		return 0, truncatedErr("no %%%%EOF after the cross-reference section at %d", s.Offset)
	}
	end := i + len("%%EOF")
	switch {
	case bytes.HasPrefix(buf[end:], []byte("\r\n")):
		end += 2
	case bytes.HasPrefix(buf[end:], []byte("\n")), bytes.HasPrefix(buf[end:], []byte("\r")):
		end++
	}
	return s.end + int64(end), nil
}
