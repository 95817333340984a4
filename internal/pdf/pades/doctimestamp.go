package pades

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// docTimestampSlack is added to the size of the signature timestamp's token
// to reserve room for the document timestamp's: both come from the same
// TSA and differ by a few bytes, so a second TSA round is rare.
const docTimestampSlack = 2048

// docTimestamp appends the B-LTA update: a new signature field named name
// (made unique), an invisible widget on the first page, whose value is a
// document timestamp (ISO 32000-2, 12.8.5): a /DocTimeStamp dictionary with
// /SubFilter /ETSI.RFC3161 whose /Contents is a TimeStampToken over the
// whole file but the /Contents hole. The imprint comes from out's running
// hash, which has consumed every byte written before the update, so the
// file is never read back.
func (l *ltvSeal) docTimestamp(ctx context.Context, out *appender, name string, at time.Time) error {
	r, err := out.reader()
	if err != nil {
		return fmt.Errorf("reread validation data revision: %w", err)
	}
	p, err := planUpdate(r, esign.SealInfo{Name: name})
	if err != nil {
		return fmt.Errorf("plan document timestamp: %w", err)
	}
	size := len(l.tokens.last) + docTimestampSlack
	for range 2 {
		u, err := p.renderDocTimestamp(size, at)
		if err != nil {
			return fmt.Errorf("document timestamp: %w", err)
		}
		token, err := l.stampUpdate(ctx, out, u)
		if err != nil {
			return err
		}
		if len(token) <= size {
			hex.Encode(u.buf[u.holeStart+1:], token)
			if err := out.write(u.buf); err != nil {
				return fmt.Errorf("write document timestamp: %w", err)
			}
			return nil
		}
		size = len(token) + docTimestampSlack
	}
	return fmt.Errorf("the document timestamp does not fit the %d bytes reserved for it", size)
}

// stampUpdate asks the TSA for a token over the file as it will be with u
// appended, minus u's hole, and checks it. There is no fallback: a TSA
// failure fails the seal.
func (l *ltvSeal) stampUpdate(ctx context.Context, out *appender, u *update) ([]byte, error) {
	digest, err := digestUpdate(out.h, u)
	if err != nil {
		return nil, fmt.Errorf("document timestamp: %w", err)
	}
	token, err := l.signer.tsa.Timestamp(ctx, digest, l.signer.hash)
	if err != nil {
		return nil, fmt.Errorf("document timestamp: %w", err)
	}
	if err := checkTokenFrom(l.signer.tsa, token, digest, l.signer.hash); err != nil {
		return nil, fmt.Errorf("document timestamp: %w", err)
	}
	return token, nil
}

// renderDocTimestamp writes the update with a /Contents hole for a token
// of up to tokenSize bytes and fills in the /ByteRange.
func (p *plan) renderDocTimestamp(tokenSize int, at time.Time) (*update, error) {
	u := &update{buf: make([]byte, 0, 4096+2*tokenSize)}
	entries := []xrefEntry{{p.sig, p.offset(u.buf)}}
	b := fmt.Appendf(u.buf, "%d %d obj\n<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [", p.sig.Num, p.sig.Gen)
	rangeAt := len(b)
	b = append(b, bytes.Repeat([]byte{' '}, byteRangeWidth)...)
	b = append(b, "] /Contents "...)
	u.holeStart = len(b)
	b = append(b, '<')
	b = append(b, bytes.Repeat([]byte{'0'}, 2*tokenSize)...)
	b = append(b, '>')
	u.holeEnd = len(b)
	u.buf = append(b, ">>\nendobj\n"...)
	if err := p.appendBody(u, entries, at); err != nil {
		return nil, err
	}
	return u, u.fillByteRange(rangeAt, p.origSize)
}
