package esign_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// remindedEnvelope sends an envelope with the settings to the recipients,
// each a signer with a signature field, and drains the sign requests.
func remindedEnvelope(h *harness, p *esign.Principal, in esign.CreateEnvelopeInput, rs ...esign.RecipientInput) (*esign.EnvelopeDetail, map[string]*esign.Field) {
	h.t.Helper()
	ctx := context.Background()
	in.Name = "Lease"
	d, err := h.svc.CreateEnvelope(ctx, p, in)
	must(h.t, err)
	doc, err := h.svc.AddDocument(ctx, p, d.Envelope.ID, "lease.pdf", strings.NewReader(string(esigntest.PDF(1, 612, 792))))
	must(h.t, err)
	fields := map[string]*esign.Field{}
	for _, ri := range rs {
		r, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, ri)
		must(h.t, err)
		if r.Role == esign.RoleSigner {
			fields[r.Email] = h.signatureField(p, d.Envelope.ID, doc.ID, r.ID)
		}
	}
	d, err = h.svc.Send(ctx, p, d.Envelope.ID)
	must(h.t, err)
	h.drain()
	return d, fields
}

// remind runs one scheduler pass of reminders, checks how many it enqueued,
// and sends them.
func (h *harness) remind(want int) {
	h.t.Helper()
	n, err := h.svc.RemindDue(context.Background())
	must(h.t, err)
	if n != want {
		h.t.Fatalf("at %s: %d reminders, want %d", h.clock.Now().Format(time.RFC3339), n, want)
	}
	h.drain()
}

// subjects returns the subjects of the emails sent to addr.
func subjects(h *harness, addr string) []string {
	var out []string
	for _, m := range h.mail.To(addr) {
		out = append(out, m.Subject)
	}
	return out
}

func wantSubjects(t *testing.T, h *harness, addr string, want ...string) {
	t.Helper()
	got := subjects(h, addr)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s got %q, want %q", addr, got, want)
	}
}

// TestReminders: the first reminder comes the delay after the sign request
// and not a moment before, then one every frequency; none after the
// recipient signed, none to an embedded or cc recipient, and each reminder
// carries a working link (and goes by SMS to a recipient with a phone).
func TestReminders(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	sms := &esigntest.SMS{}
	h.svc.SMS = sms
	p := h.register("sender@example.com")
	d, fields := remindedEnvelope(h, p, esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{DelayHours: 24, FrequencyHours: 48}},
		esign.RecipientInput{Name: "Ana", Email: "ana@example.com", Phone: "+1 555 000 1111"},
		esign.RecipientInput{Name: "Emma", Email: "emma@example.com", Phone: "+15550002222", Embedded: true},
		esign.RecipientInput{Name: "Carl", Email: "carl@example.com", Role: "cc"})
	if got := d.Recipients[0].NextReminderAt; got == nil || !got.Equal(h.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("next reminder %v, want 24h after sending", got)
	}
	request, reminder := "Please sign: Lease", "Reminder, please sign: Lease"
	h.clock.Advance(24*time.Hour - time.Second)
	h.remind(0)
	h.clock.Advance(time.Second)
	h.remind(1)
	h.remind(0) // the same pass again sends nothing
	wantSubjects(t, h, "ana@example.com", request, reminder)
	if got := sms.To("+15550001111"); len(got) != 2 || !strings.HasPrefix(got[1].Body, "Reminder:") || !strings.Contains(got[1].Body, "/s/gst_") {
		t.Fatalf("ana's text messages: %+v, want the sign request and a reminder with a link", got)
	}
	h.clock.Advance(48*time.Hour - time.Second)
	h.remind(0)
	h.clock.Advance(time.Second)
	h.remind(1)
	wantSubjects(t, h, "ana@example.com", request, reminder, reminder)

	tok := h.openAs("ana@example.com") // the reminder's link works
	_, err := h.svc.FillField(ctx, tok, fields["ana@example.com"].ID, typed("Ana"))
	must(t, err)
	_, err = h.svc.CompleteRecipient(ctx, tok)
	must(t, err)
	h.clock.Advance(96 * time.Hour)
	h.remind(0)
	wantSubjects(t, h, "ana@example.com", request, reminder, reminder)
	wantSubjects(t, h, "emma@example.com")
	wantSubjects(t, h, "carl@example.com", "For your information: Lease")
	if got := sms.To("+15550002222"); len(got) != 0 {
		t.Fatalf("embedded recipient got %d text messages", len(got))
	}
	h.noDueReminders()
}

// noDueReminders checks that no recipient is left with a reminder due far
// in the future: finished recipients leave the scheduler's index.
func (h *harness) noDueReminders() {
	h.t.Helper()
	err := h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		due, err := tx.DueReminders(ctx, h.clock.Now().Add(1000*time.Hour), 10)
		if len(due) != 0 {
			h.t.Errorf("%d recipients still have reminders scheduled", len(due))
		}
		return err
	})
	must(h.t, err)
}

// TestRemindersStopWhenEnvelopeEnds: a voided envelope reminds nobody, and a
// recipient later in the routing order is reminded only once notified.
func TestRemindersStopWhenEnvelopeEnds(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, _ := remindedEnvelope(h, p, esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{DelayHours: 1, FrequencyHours: 1}},
		esign.RecipientInput{Name: "Ana", Email: "ana@example.com"},
		esign.RecipientInput{Name: "Ben", Email: "ben@example.com", RoutingOrder: 2})
	h.clock.Advance(time.Hour)
	h.remind(1) // Ana only: Ben has not been asked yet
	_, err := h.svc.Void(ctx, p, d.Envelope.ID, "changed our mind")
	must(t, err)
	h.clock.Advance(time.Hour)
	h.remind(0)
	h.drain()
	wantSubjects(t, h, "ana@example.com", "Please sign: Lease", "Reminder, please sign: Lease", "Voided: Lease")
	wantSubjects(t, h, "ben@example.com")
	h.noDueReminders()
}

// TestConcurrentSchedulersRemindOnce: scheduler passes running at once (two
// processes) enqueue each due reminder exactly once.
func TestConcurrentSchedulersRemindOnce(t *testing.T) {
	h := newHarness(t)
	p := h.register("sender@example.com")
	const envelopes = 6
	for i := range envelopes {
		remindedEnvelope(h, p, esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{DelayHours: 2, FrequencyHours: 24}},
			esign.RecipientInput{Name: "Ana", Email: "ana@example.com"},
			esign.RecipientInput{Name: "Ben", Email: "ben" + string(rune('a'+i)) + "@example.com"})
	}
	h.clock.Advance(2 * time.Hour)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			n, err := h.svc.RemindDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 2*envelopes {
		t.Fatalf("passes enqueued %v reminders, %d in all; want %d", counts, total, 2*envelopes)
	}
	h.drain()
	if got := len(h.mail.To("ana@example.com")); got != 2*envelopes {
		t.Fatalf("ana got %d emails, want %d sign requests and %d reminders", got, envelopes, envelopes)
	}
	h.remind(0) // the next ones are a day away
}

// TestExpiryWarning: the warning goes once, the warning period before
// expires_at, to every recipient who has been asked to act and has not
// finished; at expires_at the envelope expires and the owner is told.
func TestExpiryWarning(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	p := h.register("sender@example.com")
	expires := h.clock.Now().Add(72 * time.Hour)
	d, fields := remindedEnvelope(h, p, esign.CreateEnvelopeInput{ExpiresAt: &expires, Reminders: esign.ReminderSettings{ExpiryWarningHours: 24}},
		esign.RecipientInput{Name: "Ana", Email: "ana@example.com"},
		esign.RecipientInput{Name: "Bea", Email: "bea@example.com"},
		esign.RecipientInput{Name: "Eve", Email: "eve@example.com", Embedded: true},
		esign.RecipientInput{Name: "Ben", Email: "ben@example.com", RoutingOrder: 2})
	tok := h.openAs("bea@example.com")
	_, err := h.svc.FillField(ctx, tok, fields["bea@example.com"].ID, typed("Bea"))
	must(t, err)
	_, err = h.svc.CompleteRecipient(ctx, tok)
	must(t, err)
	warn := func(want int) {
		t.Helper()
		n, err := h.svc.WarnExpiring(ctx)
		must(t, err)
		if n != want {
			t.Fatalf("warned %d, want %d", n, want)
		}
		h.drain()
	}
	h.clock.Advance(48*time.Hour - time.Second)
	warn(0)
	h.clock.Advance(time.Second)
	warn(1)
	warn(0)
	h.clock.Advance(12 * time.Hour)
	warn(0)
	wantSubjects(t, h, "ana@example.com", "Please sign: Lease", "Expiring soon: Lease")
	wantSubjects(t, h, "bea@example.com", "Please sign: Lease")
	wantSubjects(t, h, "eve@example.com")
	wantSubjects(t, h, "ben@example.com")

	h.clock.Advance(12 * time.Hour)
	n, err := h.svc.ExpireDue(ctx)
	must(t, err)
	h.drain()
	got, err := h.svc.GetEnvelope(ctx, p, d.Envelope.ID)
	must(t, err)
	if n != 1 || got.Envelope.Status != esign.StatusExpired {
		t.Fatalf("expired %d, status %s; want 1 and expired", n, got.Envelope.Status)
	}
	// The owner heard of Bea's signature (recipient-completed), then of the expiry.
	wantSubjects(t, h, "sender@example.com", "Bea finished: Lease", "Expired: Lease")
}

// TestReminderSettingsValidation: settings that cannot work are refused
// with a 422 naming the field, and nothing is created.
func TestReminderSettingsValidation(t *testing.T) {
	h := newHarness(t)
	p := h.register("sender@example.com")
	soon := h.clock.Now().Add(10 * time.Hour)
	for _, tc := range []struct {
		name  string
		in    esign.CreateEnvelopeInput
		field string
	}{
		{"negative delay", esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{DelayHours: -1}}, "reminder_delay_hours"},
		{"delay over a year", esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{DelayHours: 8761}}, "reminder_delay_hours"},
		{"frequency without delay", esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{FrequencyHours: 24}}, "reminder_frequency_hours"},
		{"warning without expiry", esign.CreateEnvelopeInput{Reminders: esign.ReminderSettings{ExpiryWarningHours: 24}}, "expiry_warning_hours"},
		{"warning longer than the time left", esign.CreateEnvelopeInput{ExpiresAt: &soon, Reminders: esign.ReminderSettings{ExpiryWarningHours: 10}}, "expiry_warning_hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Name = "Lease"
			_, err := h.svc.CreateEnvelope(context.Background(), p, tc.in)
			wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
			var e *esign.Error
			if !errors.As(err, &e) || e.Fields[tc.field] == "" {
				t.Fatalf("error %v does not name %s", err, tc.field)
			}
		})
	}
	page, err := h.svc.ListEnvelopes(context.Background(), p, esign.ListInput{})
	must(t, err)
	if len(page.Items) != 0 {
		t.Fatalf("%d envelopes created by refused requests", len(page.Items))
	}
}

// TestRecipientPhoneValidation: a phone number must be E.164.
func TestRecipientPhoneValidation(t *testing.T) {
	h := newHarness(t)
	p := h.register("sender@example.com")
	d, _ := h.draft(p, 1)
	for _, bad := range []string{"5550001111", "+0555000111", "+1 555 CALL NOW", "+1234567", "+1234567890123456", "++15550001111"} {
		_, err := h.svc.AddRecipient(context.Background(), p, d.Envelope.ID, esign.RecipientInput{Name: "Ana", Email: "ana@example.com", Phone: bad})
		wantCode(t, err, esign.KindInvalid, esign.CodeValidation)
	}
	r, err := h.svc.AddRecipient(context.Background(), p, d.Envelope.ID, esign.RecipientInput{Name: "Ana", Email: "ana@example.com", Phone: " +44 (20) 7946-0958 "})
	must(t, err)
	if r.Phone != "+442079460958" {
		t.Fatalf("phone %q, want +442079460958", r.Phone)
	}
}
