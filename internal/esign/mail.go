package esign

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
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
	Brand       brandView
	// ResultLink, in a completed email, is where to download results too
	// large to attach; ResultExpires is when a recipient's link stops working.
	ResultLink    string
	ResultExpires time.Time
	// Finished and Waiting, in a recipient-completed email, are who finished
	// and how many recipients have still to.
	Finished *Recipient
	Waiting  int
	// Invite, in an invitation, is the organization the link joins.
	Invite *inviteView
	// Code, in a one-time code email, is the code; it lasts CodeMinutes.
	Code        string
	CodeMinutes int
}

// inviteView is what an invitation email says beyond its link.
type inviteView struct {
	OrgName   string
	ExpiresAt time.Time
}

// brandView is the organization's branding as templates use it.
type brandView struct {
	Name    string
	Color   htmltemplate.CSS // validated "#rrggbb"
	LogoSrc htmltemplate.URL // cid: URL of the inline logo; empty without one
	ReplyTo string
	logo    *Attachment
}

// logoContentID names the inline logo part of an email.
const logoContentID = "logo@gsign"

// newBrandView prepares b for the templates. The colour is checked again
// here, not only when it was saved, because the typed CSS value is written
// into the HTML unescaped.
func newBrandView(b *Branding) brandView {
	v := brandView{Name: b.DisplayName, Color: htmltemplate.CSS(defaultButtonColor), ReplyTo: b.ReplyTo}
	if colorRE.MatchString(b.Color) {
		v.Color = htmltemplate.CSS(b.Color)
	}
	if len(b.Logo) > 0 && (b.LogoType == "image/png" || b.LogoType == "image/jpeg") {
		name := "logo.png"
		if b.LogoType == "image/jpeg" {
			name = "logo.jpg"
		}
		v.LogoSrc = htmltemplate.URL("cid:" + logoContentID)
		v.logo = &Attachment{Name: name, ContentType: b.LogoType, Data: b.Logo, ContentID: logoContentID}
	}
	return v
}

var mailSubjects = map[string]string{
	MailSignRequest:        "Please sign: %s",
	MailCopy:               "For your information: %s",
	MailVoided:             "Voided: %s",
	MailDeclined:           "Declined: %s",
	MailCompleted:          "Completed: %s",
	MailExpired:            "Expired: %s",
	MailReminder:           "Reminder, please sign: %s",
	MailExpiringSoon:       "Expiring soon: %s",
	MailRecipientCompleted: "%s",
	MailInvitation:         "Join %s on GSign",
	MailPasswordReset:      "Reset your GSign password",
	MailAuthCode:           "Your code to open: %s", // never the code itself: previews show subjects
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
	if kind == MailRecipientCompleted {
		subject = v.Finished.Name + " finished: %s"
	}
	if strings.Contains(subject, "%s") {
		var about string
		if kind == MailInvitation {
			about = v.Invite.OrgName // an invitation is about the organization
		} else {
			about = v.Envelope.Name
		}
		subject = fmt.Sprintf(subject, about)
	}
	if v.Brand.Color == "" {
		v.Brand = newBrandView(&Branding{})
	}
	m := &Email{To: v.ToEmail, ToName: v.ToName, Subject: subject, Link: v.Link, ReplyTo: v.Brand.ReplyTo}
	m.FromName = v.Brand.Name
	if v.Brand.logo != nil {
		m.Attachments = append(m.Attachments, *v.Brand.logo)
	}
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

// MailKinds lists every kind of email GSign sends.
func MailKinds() []string {
	kinds := make([]string, 0, len(mailSubjects))
	for k := range mailSubjects {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// PreviewMail renders a kind of email with sample content in b's branding
// (nil: GSign's own look): what an organization's emails will look like,
// and a message of every template for testing a transport.
func PreviewMail(kind string, b *Branding) (*Email, error) {
	if b == nil {
		b = &Branding{}
	}
	exp := time.Date(2030, 1, 31, 17, 0, 0, 0, time.UTC)
	v := mailView{
		Envelope:   &Envelope{ID: "env_preview", Name: "Office lease 2030", Message: "Please sign by Friday.", ExpiresAt: &exp, VoidReason: "Wrong address"},
		SenderName: "Olive Owner", SenderEmail: "olive@example.com", ToName: "Ana Müller", ToEmail: "ana@example.com", Role: string(RoleSigner),
		Link: "https://gsign.example/s/gst_preview", Reason: "Ben Bauer declined: the terms changed.", Brand: newBrandView(b),
		Finished: &Recipient{Name: "Ben Bauer", Email: "ben@example.com", Role: RoleSigner}, Waiting: 1,
		Invite: &inviteView{OrgName: "Acme Leasing", ExpiresAt: exp},
	}
	if kind == MailInvitation {
		v.Role, v.Link = RoleMember, "https://gsign.example/app/invite/gsi_preview"
	}
	v.Code, v.CodeMinutes = "493027", int(AuthCodeTTL.Minutes())
	m, err := renderMail(kind, v)
	if err != nil {
		return nil, err
	}
	m.ID = "preview:" + kind
	return m, nil
}
