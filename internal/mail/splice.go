package mail

import (
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"

	gomail "github.com/wneessen/go-mail"

	"github.com/gsign/gsign/internal/esign"
)

// go-mail base64-encodes each attached file into a buffer of its own, grown
// one 76-character line at a time, and then copies that to the message
// (msgWriter.writeBody): for the completed email's PDF, that buffer's
// growth is the larger part of composing's CPU, and a third of a megabyte
// of garbage per email. So the Dir mailer, which writes messages rather
// than sending them, attaches a short random stand-in in each file's
// place and, as go-mail writes the message, writes the file's own bytes,
// encoded in lines as go-mail encodes them, where go-mail wrote the
// stand-in's one encoded line. Headers, structure and boundaries stay
// go-mail's: TestDirSendMatchesGoMail holds the result equal, byte for
// byte, to go-mail's encoding of the files themselves, and a stand-in that
// go-mail did not write in one piece fails the send rather than write it.
// The SMTP mailer hands go-mail the files themselves.

// standInSize is the raw size of a stand-in: a multiple of 3 under 57
// encodes to one line without padding.
const standInSize = 30

// standInLine is the length of a stand-in's encoded line.
const standInLine = standInSize/3*4 + len(gomail.SingleNewLine)

// b64Line is how many bytes go-mail encodes per line: 76 characters.
const b64Line = gomail.MaxBodyLength / 4 * 3

// splicer writes go-mail's output of a message attaching standIns, with
// the files they stand in for in their place.
type splicer struct {
	files    []esign.Attachment
	standIns []esign.Attachment
	lines    []string // go-mail's encoding of each stand-in
	spliced  []bool
	w        io.Writer
}

// newSplicer makes a random stand-in for each of files.
func newSplicer(files []esign.Attachment) *splicer {
	s := &splicer{files: files, spliced: make([]bool, len(files))}
	for _, f := range files {
		raw := make([]byte, standInSize)
		for i := range raw {
			raw[i] = byte(rand.Uint32())
		}
		f.Data = raw
		s.standIns = append(s.standIns, f)
		s.lines = append(s.lines, base64.StdEncoding.EncodeToString(raw)+gomail.SingleNewLine)
	}
	return s
}

// write writes msg to w, splicing in the files.
func (s *splicer) write(w io.Writer, msg *gomail.Msg) error {
	s.w = w
	if _, err := msg.WriteTo(s); err != nil {
		return err
	}
	return s.check()
}

// check fails unless every file was spliced in: a stand-in written in
// pieces, or not at all, would otherwise go out as the file.
func (s *splicer) check() error {
	for i, done := range s.spliced {
		if !done {
			return fmt.Errorf("mail: attachment %q: go-mail did not write its stand-in in one piece", s.files[i].Name)
		}
	}
	return nil
}

// Write passes p on, or the encoded file instead when p is the encoding
// of its stand-in.
func (s *splicer) Write(p []byte) (int, error) {
	if len(p) == standInLine {
		for i, line := range s.lines {
			if !s.spliced[i] && string(p) == line {
				s.spliced[i] = true
				return len(p), writeBase64Lines(s.w, s.files[i].Data)
			}
		}
	}
	return s.w.Write(p)
}

// writeBase64Lines writes data base64-encoded as go-mail does: lines of 76
// characters, the last one shorter, each ending in CRLF; nothing at all
// for no data. It encodes a block of lines at a time.
func writeBase64Lines(w io.Writer, data []byte) error {
	const lineLen = gomail.MaxBodyLength + len(gomail.SingleNewLine)
	var block [64 * lineLen]byte
	for len(data) > 0 {
		n := 0
		for len(data) > 0 && n+lineLen <= len(block) {
			chunk := data[:min(b64Line, len(data))]
			base64.StdEncoding.Encode(block[n:], chunk)
			n += base64.StdEncoding.EncodedLen(len(chunk))
			n += copy(block[n:], gomail.SingleNewLine)
			data = data[len(chunk):]
		}
		if _, err := w.Write(block[:n]); err != nil {
			return err
		}
	}
	return nil
}
