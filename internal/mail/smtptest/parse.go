package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// Part is one leaf of a parsed message, its body decoded.
type Part struct {
	// Path names the multipart containers it sits in and its type, e.g.
	// "mixed/related/alternative/text/html".
	Path   string
	Type   string
	Header textproto.MIMEHeader
	Body   []byte
}

// Parsed is a message read back as a mail client would.
type Parsed struct {
	Header  mail.Header
	Subject string // decoded
	Parts   []Part
}

// Find returns the first part of the media type, or nil.
func (p *Parsed) Find(mediaType string) *Part {
	for i := range p.Parts {
		if p.Parts[i].Type == mediaType {
			return &p.Parts[i]
		}
	}
	return nil
}

// Parse reads data with net/mail and mime/multipart.
func Parse(t testing.TB, data []byte) *Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	p := &Parsed{Header: msg.Header, Subject: subj}
	hdr := textproto.MIMEHeader(msg.Header)
	walk(t, p, "", hdr, msg.Body)
	return p
}

func walk(t testing.TB, p *Parsed, path string, hdr textproto.MIMEHeader, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", hdr.Get("Content-Type"), err)
	}
	if sub, ok := strings.CutPrefix(mt, "multipart/"); ok {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", mt, err)
			}
			walk(t, p, path+sub+"/", part.Header, part)
		}
	}
	b := decode(t, hdr, body)
	if strings.HasPrefix(mt, "text/") {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) // lines end in CRLF on the wire
	}
	p.Parts = append(p.Parts, Part{Path: path + mt, Type: mt, Header: hdr, Body: b})
}

func decode(t testing.TB, hdr textproto.MIMEHeader, body io.Reader) []byte {
	t.Helper()
	switch strings.ToLower(hdr.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("part body: %v", err)
	}
	return b
}
