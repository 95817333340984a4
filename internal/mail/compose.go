package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Compose renders m as an RFC 5322 message: multipart/alternative text and
// HTML, wrapped in multipart/mixed when there are attachments.
func Compose(m *esign.Email, from string, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	to := (&mail.Address{Name: m.ToName, Address: m.To}).String()
	hdr := []string{
		"From: " + from,
		"To: " + to,
		"Subject: " + mime.QEncoding.Encode("utf-8", m.Subject),
		"Date: " + date.UTC().Format(time.RFC1123Z),
		"Message-ID: " + messageID(m.ID, from),
		"MIME-Version: 1.0",
		"Auto-Submitted: auto-generated",
	}
	for _, h := range hdr {
		buf.WriteString(h + "\r\n")
	}
	outer := multipart.NewWriter(&buf)
	kind := "alternative"
	if len(m.Attachments) > 0 {
		kind = "mixed"
	}
	fmt.Fprintf(&buf, "Content-Type: multipart/%s; boundary=%q\r\n\r\n", kind, outer.Boundary())
	var err error
	if kind == "mixed" {
		err = writeMixed(outer, m)
	} else {
		err = writeAlternative(outer, m)
	}
	if err != nil {
		return nil, fmt.Errorf("compose mail %s: %w", m.ID, err)
	}
	if err := outer.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeMixed(w *multipart.Writer, m *esign.Email) error {
	var inner bytes.Buffer
	alt := multipart.NewWriter(&inner)
	if err := writeAlternative(alt, m); err != nil {
		return err
	}
	if err := alt.Close(); err != nil {
		return err
	}
	part, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=\"" + alt.Boundary() + "\""}})
	if err != nil {
		return err
	}
	if _, err := part.Write(inner.Bytes()); err != nil {
		return err
	}
	for _, a := range m.Attachments {
		if err := writeAttachment(w, a); err != nil {
			return err
		}
	}
	return nil
}

func writeAlternative(w *multipart.Writer, m *esign.Email) error {
	for _, body := range []struct{ ctype, text string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if body.text == "" {
			continue
		}
		part, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {body.ctype + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return err
		}
		qp := quotedprintable.NewWriter(part)
		if _, err := qp.Write([]byte(body.text)); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
	}
	return nil
}

func writeAttachment(w *multipart.Writer, a esign.Attachment) error {
	part, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {a.ContentType},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
	})
	if err != nil {
		return err
	}
	return writeBase64Lines(part, a.Data)
}
