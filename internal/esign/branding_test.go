package esign_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	must(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 20)), nil))
	return b.Bytes()
}

// TestBrandingInput: what an owner may set, and the clear errors for the rest.
func TestBrandingInput(t *testing.T) {
	h := newHarness(t)
	p := h.register("owner@example.com")
	ctx := context.Background()
	tests := []struct {
		name       string
		in         esign.BrandingInput
		wantField  string
		wantColor  string
		wantReply  string
		wantDispla string
	}{
		{"everything", esign.BrandingInput{DisplayName: "  Acme  ", Color: "#C0392B", ReplyTo: "Contracts@Acme.example"}, "", "#c0392b", "contracts@acme.example", "Acme"},
		{"nothing clears", esign.BrandingInput{}, "", "", "", ""},
		{"colour without #", esign.BrandingInput{Color: "c0392b"}, "color", "", "", ""},
		{"short colour", esign.BrandingInput{Color: "#fff"}, "color", "", "", ""},
		{"named colour", esign.BrandingInput{Color: "red"}, "color", "", "", ""},
		{"css injection", esign.BrandingInput{Color: "#000000;background:url(x)"}, "color", "", "", ""},
		{"bad reply-to", esign.BrandingInput{ReplyTo: "not an address"}, "reply_to", "", "", ""},
		{"reply-to with a name", esign.BrandingInput{ReplyTo: "Acme <a@acme.example>"}, "reply_to", "", "", ""},
		{"header injection", esign.BrandingInput{DisplayName: "Acme\r\nBcc: x@evil.example"}, "display_name", "", "", ""},
		{"long name", esign.BrandingInput{DisplayName: strings.Repeat("é", 101)}, "display_name", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := h.svc.GetBranding(ctx, p)
			must(t, err)
			b, err := h.svc.UpdateBranding(ctx, p, tt.in)
			if tt.wantField != "" {
				wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
				if e := err.(*esign.Error); e.Fields[tt.wantField] == "" {
					t.Fatalf("error %v does not name %s", err, tt.wantField)
				}
				after, err := h.svc.GetBranding(ctx, p)
				must(t, err)
				if after.DisplayName != before.DisplayName || after.Color != before.Color || after.ReplyTo != before.ReplyTo {
					t.Fatalf("refused input changed the branding: %+v", after)
				}
				return
			}
			must(t, err)
			if b.Color != tt.wantColor || b.ReplyTo != tt.wantReply || b.DisplayName != tt.wantDispla {
				t.Fatalf("branding %+v", b)
			}
		})
	}
}

// TestBrandingLogo: PNG and JPEG are kept; anything else, or too large, is
// refused and leaves the logo as it was.
func TestBrandingLogo(t *testing.T) {
	h := newHarness(t)
	p := h.register("owner@example.com")
	ctx := context.Background()
	good := testPNG(t, 120, 40)
	_, err := h.svc.SetBrandingLogo(ctx, p, good)
	must(t, err)
	truncated := good[:len(good)/2]
	tests := []struct {
		name       string
		data       []byte
		kind       esign.Kind
		code, want string
	}{
		{"jpeg", testJPEG(t), "", "", "image/jpeg"},
		{"png", good, "", "", "image/png"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), esign.KindInvalid, esign.CodeInvalidImage, ""},
		{"pdf", []byte("%PDF-1.7\n"), esign.KindInvalid, esign.CodeInvalidImage, ""},
		{"truncated png", truncated, esign.KindInvalid, esign.CodeInvalidImage, ""},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), esign.KindInvalid, esign.CodeInvalidImage, ""},
		{"too many pixels", testPNG(t, 2000, 10), esign.KindInvalid, esign.CodeInvalidImage, ""},
		{"too many bytes", append(bytes.Clone(good), make([]byte, esign.MaxLogoBytes)...), esign.KindTooLarge, esign.CodeTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := h.svc.GetBranding(ctx, p)
			must(t, err)
			b, err := h.svc.SetBrandingLogo(ctx, p, tt.data)
			if tt.kind != "" {
				wantCode(t, err, tt.kind, tt.code)
				after, err := h.svc.GetBranding(ctx, p)
				must(t, err)
				if !bytes.Equal(after.Logo, before.Logo) {
					t.Fatal("refused logo replaced the old one")
				}
				return
			}
			must(t, err)
			if b.LogoType != tt.want || !bytes.Equal(b.Logo, tt.data) {
				t.Fatalf("logo %s of %d bytes", b.LogoType, len(b.Logo))
			}
		})
	}
	b, err := h.svc.DeleteBrandingLogo(ctx, p)
	must(t, err)
	if len(b.Logo) != 0 || b.LogoType != "" {
		t.Fatalf("logo not deleted: %+v", b)
	}
}

// TestBrandingRoles: owners and admins manage branding; members may not.
func TestBrandingRoles(t *testing.T) {
	h := newHarness(t)
	owner := h.register("owner@example.com")
	ctx := context.Background()
	for _, role := range []string{esign.RoleAdmin, esign.RoleMember} {
		p := *owner
		p.Role = role
		_, getErr := h.svc.GetBranding(ctx, &p)
		_, putErr := h.svc.UpdateBranding(ctx, &p, esign.BrandingInput{Color: "#000000"})
		_, logoErr := h.svc.SetBrandingLogo(ctx, &p, testPNG(t, 2, 2))
		_, delErr := h.svc.DeleteBrandingLogo(ctx, &p)
		for _, err := range []error{getErr, putErr, logoErr, delErr} {
			if role == esign.RoleAdmin {
				must(t, err)
			} else {
				wantCode(t, err, esign.KindForbidden, esign.CodeForbiddenRole)
			}
		}
	}
}

// TestBrandedEmails: an organization's branding reaches every email of its
// envelopes: the sender name, Reply-To, the inline logo and the colour.
func TestBrandedEmails(t *testing.T) {
	h := newHarness(t)
	p := h.register("owner@example.com")
	ctx := context.Background()
	_, err := h.svc.UpdateBranding(ctx, p, esign.BrandingInput{DisplayName: "Acme Leasing", Color: "#C0392B", ReplyTo: "contracts@acme.example"})
	must(t, err)
	logo := testPNG(t, 64, 32)
	_, err = h.svc.SetBrandingLogo(ctx, p, logo)
	must(t, err)
	h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	got := h.mail.To("a@example.com")
	if len(got) != 1 {
		t.Fatalf("%d emails", len(got))
	}
	m := got[0]
	if m.FromName != "Acme Leasing" || m.ReplyTo != "contracts@acme.example" {
		t.Fatalf("from %q, reply-to %q", m.FromName, m.ReplyTo)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentID == "" || !bytes.Equal(m.Attachments[0].Data, logo) {
		t.Fatalf("inline logo %+v", m.Attachments)
	}
	if !strings.Contains(m.HTML, `src="cid:`+m.Attachments[0].ContentID+`"`) || !strings.Contains(m.HTML, "background:#c0392b") {
		t.Fatalf("html does not use the branding:\n%s", m.HTML)
	}
}

// TestRecipientCompletedMail: the owner hears of each recipient who
// finishes while others have still to, once each, and of the last one
// through the completed email alone.
func TestRecipientCompletedMail(t *testing.T) {
	h := newHarness(t)
	p := h.register("owner@example.com")
	_, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 2},
		recipientSpec{"c@example.com", esign.RoleCC, 3})
	for _, addr := range []string{"a@example.com", "b@example.com"} {
		h.signAndFinish(addr, fields[addr])
		h.drain()
		h.drain() // a second run finds nothing new to send
	}
	var subjects []string
	for _, m := range h.mail.To("owner@example.com") {
		subjects = append(subjects, m.Subject)
	}
	want := []string{"R a@example.com finished: Lease", "Completed: Lease"}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Fatalf("owner got %q, want %q", subjects, want)
	}
	if m := h.mail.To("owner@example.com")[0]; !strings.Contains(m.Text, "1 recipient has still to finish") {
		t.Fatalf("recipient-completed text:\n%s", m.Text)
	}
}

// TestRecipientCompletedMootOnceCompleted: when the envelope completes
// before the owner was told of an earlier recipient, only the completed
// email goes out, and the completion marked that news done before any
// worker claimed it.
func TestRecipientCompletedMootOnceCompleted(t *testing.T) {
	h := newHarness(t)
	p := h.register("owner@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1}, recipientSpec{"b@example.com", esign.RoleSigner, 1})
	for _, addr := range []string{"a@example.com", "b@example.com"} {
		h.signAndFinish(addr, fields[addr])
	}
	jobID := esign.JobMail + ":" + esign.MailRecipientCompleted + ":" + d.Envelope.ID + ":owner:" + fields["a@example.com"].RecipientID
	err := h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		j, err := tx.JobByID(ctx, jobID)
		if err == nil && (j.Status != esign.JobDone || j.Attempts != 0) {
			t.Errorf("the moot news of a's signature is %s after %d attempts, want done after none", j.Status, j.Attempts)
		}
		return err
	})
	must(t, err)
	h.drain()
	got := h.mail.To("owner@example.com")
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "Completed: ") {
		t.Fatalf("owner got %d emails: %+v", len(got), got)
	}
}

// TestCompletedLinkWhenTooLarge: results over AttachMaxBytes are linked, not
// attached; the recipient's link downloads the sealed PDF without an
// account, and stops when it expires.
func TestCompletedLinkWhenTooLarge(t *testing.T) {
	h := newHarness(t)
	h.svc.Config.AttachMaxBytes = 1 // every result is too large
	p := h.register("owner@example.com")
	ctx := context.Background()
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	tok := h.signAndFinish("a@example.com", fields["a@example.com"])
	h.drain()
	owner := h.mail.To("owner@example.com")
	if len(owner) != 1 || len(owner[0].Attachments) != 0 || !strings.Contains(owner[0].Text, "/api/v1/envelopes/"+d.Envelope.ID+"/download?part=combined") {
		t.Fatalf("owner's completed email: %+v", owner)
	}
	mails := h.mail.To("a@example.com")
	last := mails[len(mails)-1]
	if len(last.Attachments) != 0 || !strings.Contains(last.Text, "too large to attach") {
		t.Fatalf("recipient's completed email:\n%s", last.Text)
	}
	link := last.Text[strings.Index(last.Text, "/api/v1/signing/")+len("/api/v1/signing/"):]
	link = link[:strings.Index(link, "/result")]
	res, err := h.svc.RecipientResult(ctx, link)
	must(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	must(t, err)
	if !bytes.HasPrefix(body, []byte("%PDF")) || res.ContentType != "application/pdf" {
		t.Fatalf("result %s of %d bytes", res.ContentType, len(body))
	}
	_, err = h.svc.RecipientResult(ctx, "gst_unknown")
	wantCode(t, err, esign.KindNotFound, "")
	_, err = h.svc.RecipientResult(ctx, tok) // the signing link: it never expires, so it opens no results
	wantCode(t, err, esign.KindNotFound, "")
	h.clock.Advance(h.svc.Config.ResultLinkTTL)
	_, err = h.svc.RecipientResult(ctx, link)
	wantCode(t, err, esign.KindGone, esign.CodeLinkGone)
}
