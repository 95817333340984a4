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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base
			if tt.edit != nil {
				tt.edit(&v)
			}
			m, err := renderMail(tt.kind, v)
			if err != nil {
				t.Fatal(err)
			}
			got := "Subject: " + m.Subject + "\nLink: " + m.Link + "\n\n" + m.Text + "\n----- html -----\n" + m.HTML + "\n"
			golden := filepath.Join("testdata", "mail", tt.name+".golden")
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
		})
	}
}

func TestMailUnknownKind(t *testing.T) {
	if _, err := renderMail("nope", mailView{Envelope: &Envelope{}}); err == nil {
		t.Fatal("unknown mail kind rendered")
	}
}
