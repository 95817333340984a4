package certificate

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gsign/gsign/internal/esign"
)

// Recipient blocks: fields on the left, the signature in a box on the right.
const (
	sigBoxWidth  = 62.0
	sigBoxHeight = 22.0
	sigMaxWidth  = 60.0 // the image inside the box
	sigMaxHeight = 20.0
	sigLabel     = 4.5 // the "Signature" caption above the box
	gutter       = 6.0
	leftColumn   = contentWidth - sigBoxWidth - gutter
	headingLine  = 5.6
	// maxUserAgent bounds how much of a user agent is printed; the full
	// string is in the audit trail and the evidence file.
	maxUserAgent = 600
)

// title draws the first page's heading.
func (w *writer) title() {
	c := w.c
	w.setFont(bold, 8.5, accent)
	w.pdf.SetXY(margin, topMargin)
	w.pdf.Cell(contentWidth, 4, "GSIGN", true, alignLeft)
	y := w.pdf.GetY() + 2
	w.setFont(bold, 22, ink)
	w.pdf.SetXY(margin, y)
	w.pdf.Cell(contentWidth-40, 10, "Certificate of Completion", true, alignLeft)
	w.pill(c.Status, margin+contentWidth, y+2.2)
	w.pdf.SetY(w.pdf.GetY() + 1.5)
	w.setFont(bold, 13, ink)
	w.drawLines(margin, contentWidth, 6, w.wrap(w.text.sans(orDash(c.EnvelopeName)), contentWidth), alignLeft)
	w.pdf.SetY(w.pdf.GetY() + 1.5)
	w.setFont(regular, 9, muted)
	intro := "This certificate records who sent, viewed and signed the envelope below, when, and from where. " +
		"All times are in UTC."
	w.drawLines(margin, contentWidth, 4.4, w.wrap(intro, contentWidth), alignLeft)
	w.hrule(w.pdf.GetY()+3, accent, 0.7)
	w.pdf.SetY(w.pdf.GetY() + 4)
}

// envelope draws the envelope's summary.
func (w *writer) envelope() {
	c := w.c
	sender := c.SenderName
	switch {
	case sender == "":
		sender = c.SenderEmail
	case c.SenderEmail != "":
		sender += " <" + c.SenderEmail + ">"
	}
	fields := []field{
		{label: "Envelope", value: orDash(c.EnvelopeName)},
		{label: "Envelope ID", value: orDash(c.EnvelopeID)},
		{label: "Status", value: humanise(c.Status)},
		{label: "Sender", value: orDash(sender)},
		{label: "Organization", value: orDash(c.Organization)},
		{label: "Created", value: optionalTime(&c.CreatedAt)},
		{label: "Sent", value: optionalTime(c.SentAt)},
		{label: "Completed", value: optionalTime(c.CompletedAt)},
	}
	w.section("Envelope", w.fieldsHeight(fields, contentWidth))
	w.drawFields(margin, contentWidth, fields)
}

// recipients draws one block per recipient, in the order given.
func (w *writer) recipients(ctx context.Context) error {
	rs := w.c.Recipients
	title := fmt.Sprintf("Recipients (%d)", len(rs))
	if len(rs) == 0 {
		w.section(title, lineHeight)
		w.note("The envelope has no recipients.")
		return nil
	}
	for i, r := range rs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("render certificate: %w", err)
		}
		fields, heading := w.recipientFields(r), w.recipientHeading(i, r)
		h := w.recipientHeight(fields, heading)
		if i == 0 {
			w.section(title, h)
		}
		w.keep(h)
		w.recipient(i, r, fields, heading)
	}
	return nil
}

func (w *writer) recipientHeading(i int, r esign.CertificateRecipient) []string {
	name := r.Name
	if name == "" {
		name = r.Email
	}
	w.setFont(bold, 11, ink)
	return w.wrap(w.text.sans(fmt.Sprintf("%d. %s", i+1, orDash(name))), leftColumn)
}

func (w *writer) recipientFields(r esign.CertificateRecipient) []field {
	fields := []field{
		{label: "Email", value: orDash(r.Email)},
		{label: "Role", value: humanise(r.Role)},
		{label: "Routing order", value: strconv.Itoa(r.RoutingOrder)},
		{label: "Status", value: humanise(r.Status)},
		{label: "Authentication", value: authentication(r)},
		{label: "IP address", value: orDash(r.IP)},
		{label: "User agent", value: orDash(truncate(r.UserAgent, maxUserAgent))},
		{label: "Sent", value: optionalTime(r.SentAt)},
		{label: "Viewed", value: optionalTime(r.ViewedAt)},
		{label: completedLabel(r.Role), value: optionalTime(r.SignedAt)},
	}
	if r.DeclinedAt != nil {
		fields = append(fields, field{label: "Declined", value: optionalTime(r.DeclinedAt)})
	}
	return fields
}

// authentication is how the recipient was authenticated, or the method
// asked of them when the domain gave no description.
func authentication(r esign.CertificateRecipient) string {
	if r.Authentication != "" {
		return r.Authentication
	}
	return humanise(r.AuthMethod)
}

// completedLabel names what completing means for a role.
func completedLabel(role string) string {
	switch role {
	case "signer":
		return "Signed"
	case "approver":
		return "Approved"
	default:
		return "Completed"
	}
}

func (w *writer) recipientHeight(fields []field, heading []string) float64 {
	body := max(w.fieldsHeight(fields, leftColumn), sigLabel+sigBoxHeight)
	return float64(len(heading))*headingLine + 1.5 + body + 6
}

// recipient draws one recipient's block. The signature is drawn before
// the fields so that, should the fields run onto the next page, it stays
// beside their start.
func (w *writer) recipient(i int, r esign.CertificateRecipient, fields []field, heading []string) {
	y := w.pdf.GetY()
	w.setFont(bold, 11, ink)
	w.drawLines(margin, leftColumn, headingLine, heading, alignLeft)
	w.pill(r.Status, margin+contentWidth, y)
	top := w.pdf.GetY() + 1.5
	w.signature(i, margin+leftColumn+gutter, top)
	page := w.pdf.PageNo()
	w.pdf.SetXY(margin, top)
	w.drawFields(margin, leftColumn, fields)
	end := w.pdf.GetY()
	if w.pdf.PageNo() == page {
		end = max(end, top+sigLabel+sigBoxHeight)
	}
	if i < len(w.c.Recipients)-1 {
		w.hrule(end+2.5, ruled, 0.2)
	}
	w.pdf.SetY(end + 6)
}

// signature draws recipient i's signature image in its box at x, y.
func (w *writer) signature(i int, x, y float64) {
	w.setFont(regular, 7.5, muted)
	w.pdf.SetXY(x, y)
	w.pdf.Cell(sigBoxWidth, 3.5, "Signature", false, alignLeft)
	boxY := y + sigLabel
	w.pdf.SetDrawColor(ruled)
	w.pdf.SetLineWidth(0.25)
	w.pdf.Rect(x, boxY, sigBoxWidth, sigBoxHeight, false)
	img := w.signatures[i]
	if img.image == nil {
		w.pdf.SetXY(x, boxY)
		w.pdf.Cell(sigBoxWidth, sigBoxHeight, img.note, false, alignCenter)
		return
	}
	iw, ih := img.size(sigMaxWidth, sigMaxHeight)
	w.pdf.Image(img.image, x+(sigBoxWidth-iw)/2, boxY+(sigBoxHeight-ih)/2, iw, ih)
}

// documents lists every document with its page count and hashes.
func (w *writer) documents() {
	docs := w.c.Documents
	title := fmt.Sprintf("Documents (%d)", len(docs))
	if len(docs) == 0 {
		w.section(title, lineHeight)
		w.note("The envelope has no documents.")
		return
	}
	for i, d := range docs {
		fields := []field{hashField("Original SHA-256", d.OriginalSHA256), hashField("Sealed SHA-256", d.SealedSHA256)}
		w.setFont(bold, 10, ink)
		name := w.wrap(w.text.sans(fmt.Sprintf("%d. %s", i+1, orDash(d.Name))), contentWidth-34)
		bandHeight := float64(len(name))*5 + 2
		h := bandHeight + 1.5 + w.fieldsHeight(fields, contentWidth-2) + 4
		if i == 0 {
			w.section(title, h)
		}
		w.keep(h)
		y := w.pdf.GetY()
		w.pdf.SetFillColor(band)
		w.pdf.Rect(margin, y, contentWidth, bandHeight, true)
		w.pdf.SetY(y + 1)
		w.setFont(bold, 10, ink)
		w.drawLines(margin+2, contentWidth-34, 5, name, alignLeft)
		w.setFont(regular, 9, muted)
		w.pdf.SetXY(margin+contentWidth-32, y+1)
		w.pdf.Cell(30, 5, plural(d.Pages, "page", "pages"), false, alignRight)
		w.pdf.SetXY(margin+2, y+bandHeight+1.5)
		w.drawFields(margin+2, contentWidth-2, fields)
		w.pdf.SetY(w.pdf.GetY() + 4)
	}
}

// hashField shows a hash in Courier, or a dash when there is none yet.
func hashField(label, hash string) field {
	if hash == "" {
		return field{label: label, value: dash}
	}
	return field{label: label, value: hash, mono: true}
}

// audit summarises the audit trail and says how to verify it.
func (w *writer) audit() {
	c := w.c
	fields := []field{
		{label: "Events recorded", value: strconv.FormatInt(c.AuditEvents, 10)},
		hashField("Head hash", c.AuditHeadHash),
	}
	explanation := "Every event in the audit trail records the SHA-256 hash of the event before it, so the head hash " +
		"above fixes the whole chain: changing, removing or reordering any event would change it. The complete trail " +
		"is attached to the sealed PDF as the file evidence.json, from which the chain can be verified offline, and " +
		"the operator of this GSign installation can verify the stored chain with the command “gsign audit verify " +
		"--envelope " + c.EnvelopeID + "”."
	w.setFont(regular, 9, muted)
	text := w.wrap(w.text.sans(explanation), contentWidth)
	w.section("Audit trail", w.fieldsHeight(fields, contentWidth)+2+float64(len(text))*4.4)
	w.drawFields(margin, contentWidth, fields)
	w.pdf.SetY(w.pdf.GetY() + 2)
	w.setFont(regular, 9, muted)
	w.drawLines(margin, contentWidth, 4.4, text, alignLeft)
}

// note draws a muted sentence where a section has nothing to list.
func (w *writer) note(s string) {
	w.setFont(regular, 9.5, muted)
	w.drawLines(margin, contentWidth, lineHeight, w.wrap(s, contentWidth), alignLeft)
}
