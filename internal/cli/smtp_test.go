package cli

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/mail/smtptest"
)

// TestSMTPRetriedThenDeliveredOnce runs gsign with GSIGN_SMTP_URL against a
// real SMTP server (STARTTLS with a private CA, AUTH PLAIN) that answers
// 451 to the first DATA and 550 to one recipient. The real job runner
// retries the first: the server accepts exactly one message for it, with
// the Message-ID of the refused attempt. The refused recipient's job is
// dead-lettered after one attempt instead of being retried.
func TestSMTPRetriedThenDeliveredOnce(t *testing.T) {
	var mu sync.Mutex
	var rcptRefusals int
	srv := smtptest.Start(t, smtptest.Options{Mode: smtptest.STARTTLS, User: "gsign", Password: "s3cret",
		Refuse: func(stage, rcpt string, attempt int) *smtp.SMTPError {
			switch {
			case stage == "data" && attempt == 1:
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			case stage == "rcpt" && rcpt == "gone@example.com":
				mu.Lock()
				rcptRefusals++
				mu.Unlock()
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}})
	ca := srv.WriteCA(t)
	e := startServer(t, func(c *config.Config) {
		c.SMTPURL, c.SMTPCAFile, c.MailFrom = srv.URL(), ca, "GSign <no-reply@gsign.test>"
	})
	reg := e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "o@example.com", "password": "correct horse battery", "name": "O", "organization": "Acme"}), 201, "").json(t)
	e.token = reg["access_token"].(string)
	envID := id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease"}), 201, "").json(t))
	base := "/api/v1/envelopes/" + envID
	docID := id(e.expect(e.do("POST", base+"/documents", pdfUpload("a.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	var goneID string
	for _, addr := range []string{"ana@example.com", "gone@example.com"} {
		rid := id(e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "R", "email": addr, "role": "signer", "routing_order": 1}), 201, "").json(t))
		e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": rid, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "")
		goneID = rid
	}
	e.expect(e.do("POST", base+"/send", nil), 200, "")

	db, rebind := openRawDB(t, e.data)
	jobState := func(id string) (status string, attempts int) {
		err := db.QueryRow(rebind(`SELECT status, attempts FROM jobs WHERE id = ?`), id).Scan(&status, &attempts)
		if err != nil {
			t.Fatalf("job %s: %v", id, err)
		}
		return status, attempts
	}
	anaJob := func() string {
		var id string
		err := db.QueryRow(rebind(`SELECT id FROM jobs WHERE id LIKE ? AND id <> ?`), "mail:sign_request:"+envID+":%", "mail:sign_request:"+envID+":"+goneID).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}()
	goneJob := "mail:sign_request:" + envID + ":" + goneID
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s1, _ := jobState(anaJob)
		s2, _ := jobState(goneJob)
		if s1 == "done" && s2 == "dead" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s, n := jobState(anaJob); s != "done" || n != 2 {
		t.Fatalf("ana's email job: %s after %d attempts, want done after 2", s, n)
	}
	if s, n := jobState(goneJob); s != "dead" || n != 1 {
		t.Fatalf("refused recipient's job: %s after %d attempts, want dead after 1", s, n)
	}
	refused, accepted := srv.Refused(), srv.Accepted()
	if len(refused) != 1 || len(accepted) != 1 || strings.Join(accepted[0].To, ",") != "ana@example.com" {
		t.Fatalf("refused %d, accepted %d (%v)", len(refused), len(accepted), accepted)
	}
	first, delivered := smtptest.Parse(t, refused[0].Data), smtptest.Parse(t, accepted[0].Data)
	if id := delivered.Header.Get("Message-ID"); id == "" || id != first.Header.Get("Message-ID") || !strings.HasSuffix(id, "@gsign.test>") {
		t.Fatalf("Message-ID %q after the retry, %q before", id, first.Header.Get("Message-ID"))
	}
	if !strings.Contains(string(delivered.Find("text/plain").Body), "http://gsign.test/s/gst_") {
		t.Fatal("delivered sign request has no signing link")
	}
	mu.Lock()
	defer mu.Unlock()
	if rcptRefusals != 1 {
		t.Fatalf("the refused recipient was tried %d times", rcptRefusals)
	}
}
