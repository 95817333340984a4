package mail

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gsign/gsign/internal/esign"
)

// newMsg builds the one message both mailers deliver: the Dir mailer writes
// its bytes, the SMTP mailer sends it, so an .eml file shows exactly the
// headers a recipient gets. The text and HTML bodies are alternatives; an
// inline image (an attachment with a ContentID, the organization's logo)
// makes it multipart/related, and attached files multipart/mixed. files
// are m's attachments, or stand-ins for them (splicer).
func newMsg(m *esign.Email, from *mail.Address, date time.Time, files []esign.Attachment) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	sender := *from
	if m.FromName != "" {
		sender.Name = m.FromName + " via " + cmp.Or(from.Name, "GSign")
	}
	msg.FromMailAddress(&sender)
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return nil, esign.Invalid("to", "is not a valid email address")
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("compose mail %s: reply-to: %w", m.ID, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(date.UTC())
	msg.SetMessageIDWithValue(MessageID(m.ID, from.Address))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetUserAgent("GSign")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range files {
		addFile(msg, a)
	}
	return msg, nil
}

// addFile attaches a, or embeds it for the HTML to show when it has a
// Content-ID.
//
// go-mail reads a file given as a plain io.Reader into a copy of its own
// (AttachReader, EmbedReader), growing it as it goes; as an io.ReadSeeker
// it reads a.Data in place, rewinding it after each write.
func addFile(msg *gomail.Msg, a esign.Attachment) {
	opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(a.ContentType))}
	if a.ContentID == "" {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), opts...)
		return
	}
	opts = append(opts, gomail.WithFileContentID("<"+a.ContentID+">"))
	msg.EmbedReadSeeker(a.Name, bytes.NewReader(a.Data), opts...)
}

// Compose renders m as the RFC 5322 message the mailers deliver, sent by
// from (an address such as "GSign <no-reply@sign.example.com>") at date.
func Compose(m *esign.Email, from string, date time.Time) ([]byte, error) {
	msg, err := compose(m, from, date, m.Attachments)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("compose mail %s: %w", m.ID, err)
	}
	return buf.Bytes(), nil
}

// compose builds the message of m, with files attached, from the
// configured sender from at date.
func compose(m *esign.Email, from string, date time.Time, files []esign.Attachment) (*gomail.Msg, error) {
	addr, err := ParseFrom(from)
	if err != nil {
		return nil, err
	}
	return newMsg(m, addr, date, files)
}

// ParseFrom reads the configured sender, "Name <address>" or a bare address.
func ParseFrom(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	return a, nil
}

// MessageID derives the Message-ID of the email with the id (without angle
// brackets): the same on every retry of its job, so a receiving system can
// tell a retried send from a new message, and unguessable from outside,
// since ids name envelopes and recipients.
func MessageID(id, fromAddress string) string {
	domain := "gsign.local"
	if at := strings.LastIndexByte(fromAddress, '@'); at >= 0 && at < len(fromAddress)-1 {
		domain = fromAddress[at+1:]
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16]) + "@" + domain
}
