package esign

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

//go:embed mailtmpl/*.txt mailtmpl/*.html
var mailFS embed.FS

var (
	textMail = texttemplate.Must(texttemplate.ParseFS(mailFS, "mailtmpl/*.txt"))
	htmlMail = htmltemplate.Must(htmltemplate.ParseFS(mailFS, "mailtmpl/*.html"))
)

// mailView is what the email templates see.
type mailView struct {
	Envelope    *Envelope
	SenderName  string
	SenderEmail string
	ToName      string
	ToEmail     string
	Role        string
	Link        string // signing link, for sign requests and copies
	Reason      string
}

var mailSubjects = map[string]string{
	MailSignRequest:  "Please sign: %s",
	MailCopy:         "For your information: %s",
	MailVoided:       "Voided: %s",
	MailDeclined:     "Declined: %s",
	MailCompleted:    "Completed: %s",
	MailExpired:      "Expired: %s",
	MailReminder:     "Reminder, please sign: %s",
	MailExpiringSoon: "Expiring soon: %s",
}

// renderMail renders the email of a kind from its templates.
func renderMail(kind string, v mailView) (*Email, error) {
	subject, ok := mailSubjects[kind]
	if !ok {
		return nil, fmt.Errorf("render mail: unknown kind %q", kind)
	}
	if kind == MailSignRequest && v.Envelope.Subject != "" {
		subject = "%s"
		v.Envelope = withSubjectAsName(v.Envelope)
	}
	m := &Email{To: v.ToEmail, ToName: v.ToName, Subject: fmt.Sprintf(subject, v.Envelope.Name), Link: v.Link}
	var text, html bytes.Buffer
	if err := textMail.ExecuteTemplate(&text, kind+".txt", v); err != nil {
		return nil, fmt.Errorf("render %s mail text: %w", kind, err)
	}
	if err := htmlMail.ExecuteTemplate(&html, kind+".html", v); err != nil {
		return nil, fmt.Errorf("render %s mail html: %w", kind, err)
	}
	m.Text, m.HTML = text.String(), html.String()
	return m, nil
}

// withSubjectAsName returns a copy of e whose Name is its custom subject, so
// a sender's subject line is used verbatim.
func withSubjectAsName(e *Envelope) *Envelope {
	c := *e
	c.Name = e.Subject
	return &c
}
