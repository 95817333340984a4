package esign

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMailGolden pins every email's subject, text and HTML.
func TestMailGolden(t *testing.T) {
	exp := time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC)
	e := &Envelope{ID: "env_1", Name: "Office lease <2026>", Message: "Please sign by Friday.\nThanks & regards", ExpiresAt: &exp, VoidReason: "Wrong address"}
	finished := &Recipient{Name: "Ben Bauer", Email: "ben@example.com", Role: RoleSigner}
	base := mailView{Envelope: e, SenderName: "Olive Owner", SenderEmail: "olive@example.com", ToName: "Ana Müller", ToEmail: "ana@example.com", Role: "signer", Link: "https://sign.example.com/s/gst_EXAMPLE"}
	tests := []struct {
		name, kind string
		edit       func(v *mailView)
	}{
		{"sign_request", MailSignRequest, nil},
		{"sign_request_approver", MailSignRequest, func(v *mailView) { v.Role = "approver" }},
		{"copy", MailCopy, func(v *mailView) { v.Role = "cc" }},
		{"voided", MailVoided, nil},
		{"declined", MailDeclined, func(v *mailView) { v.Reason = "Ben Bauer declined: Terms changed." }},
		{"completed", MailCompleted, nil},
		{"completed_owner", MailCompleted, func(v *mailView) { v.Role = "" }},
		{"expired", MailExpired, nil},
		{"reminder", MailReminder, nil},
		{"reminder_approver", MailReminder, func(v *mailView) { v.Role = "approver" }},
		{"expiring_soon", MailExpiringSoon, nil},
		{"recipient_completed", MailRecipientCompleted, func(v *mailView) { v.Role, v.Finished, v.Waiting = "", finished, 2 }},
		{"recipient_completed_approver", MailRecipientCompleted, func(v *mailView) {
			v.Role, v.Finished, v.Waiting = "", &Recipient{Name: "Ben Bauer", Email: "ben@example.com", Role: RoleApprover}, 1
		}},
		{"completed_link", MailCompleted, func(v *mailView) {
			v.ResultLink, v.ResultExpires = "https://sign.example.com/api/v1/signing/gst_EXAMPLE/result", exp.AddDate(0, 0, 30)
		}},
		{"password_reset", MailPasswordReset, func(v *mailView) {
			v.Envelope, v.Link, v.ResultExpires = &Envelope{}, "https://sign.example.com/app/reset/gsp_EXAMPLE", exp
		}},
		{"completed_owner_link", MailCompleted, func(v *mailView) {
			v.Role, v.ResultLink = "", "https://sign.example.com/api/v1/envelopes/env_1/download?part=combined"
		}},
		{"auth_code", MailAuthCode, func(v *mailView) { v.Code, v.CodeMinutes = "493027", 10 }},
		{"invitation", MailInvitation, func(v *mailView) {
			v.Envelope, v.ToName, v.Role, v.Link = nil, "", RoleAdmin, "https://sign.example.com/app/invite/gsi_EXAMPLE"
			v.Invite = &inviteView{OrgName: "Acme <Leasing>", ExpiresAt: exp}
		}},
		{"invitation_viewer", MailInvitation, func(v *mailView) {
			v.Envelope, v.ToName, v.Role, v.Link = nil, "", RoleOrgViewer, "https://sign.example.com/app/invite/gsi_EXAMPLE"
			v.Invite = &inviteView{OrgName: "Acme", ExpiresAt: exp}
		}},
	}
	brand := newBrandView(&Branding{DisplayName: "Acme Leasing", Color: "#c0392b", ReplyTo: "contracts@acme.example", Logo: []byte("\x89PNG…"), LogoType: "image/png"})
	for _, tt := range tests {
		for _, branded := range []bool{false, true} {
			name := tt.name
			if branded {
				name += "_branded"
			}
			t.Run(name, func(t *testing.T) {
				v := base
				if branded {
					v.Brand = brand
				}
				if tt.edit != nil {
					tt.edit(&v)
				}
				checkMailGolden(t, name, tt.kind, v)
			})
		}
	}
}

// checkMailGolden renders the kind of email from v and compares it with
// testdata/mail/<name>.golden.
func checkMailGolden(t *testing.T, name, kind string, v mailView) {
	t.Helper()
	{
		{
			m, err := renderMail(kind, v)
			if err != nil {
				t.Fatal(err)
			}
			got := "Subject: " + m.Subject + "\nLink: " + m.Link + "\n" + brandingHeaders(m) + "\n" + m.Text + "\n----- html -----\n" + m.HTML + "\n"
			golden := filepath.Join("testdata", "mail", name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Fatalf("email changed:\n%s\nwant:\n%s", got, want)
			}
		}
	}
}

// brandingHeaders shows what branding adds to an email, and nothing
// without it.
func brandingHeaders(m *Email) string {
	var s string
	if m.FromName != "" {
		s += "From-Name: " + m.FromName + "\n"
	}
	if m.ReplyTo != "" {
		s += "Reply-To: " + m.ReplyTo + "\n"
	}
	for _, a := range m.Attachments {
		s += "Inline: " + a.Name + " " + a.ContentType + " cid:" + a.ContentID + "\n"
	}
	return s
}

func TestMailUnknownKind(t *testing.T) {
	if _, err := renderMail("nope", mailView{Envelope: &Envelope{}}); err == nil {
		t.Fatal("unknown mail kind rendered")
	}
}

// TestBrandViewDistrustsStoredValues: a stored colour or logo type that
// did not come through validation falls back to GSign's look, since the
// colour is written into the HTML unescaped.
func TestBrandViewDistrustsStoredValues(t *testing.T) {
	v := newBrandView(&Branding{Color: "#000;background:url(https://evil.example)", Logo: []byte("<svg/>"), LogoType: "image/svg+xml"})
	if v.Color != defaultButtonColor || v.LogoSrc != "" || v.logo != nil {
		t.Fatalf("brand view %+v", v)
	}
	if v := newBrandView(&Branding{Color: "#c0392b"}); v.Color != "#c0392b" {
		t.Fatalf("valid colour dropped: %q", v.Color)
	}
}
