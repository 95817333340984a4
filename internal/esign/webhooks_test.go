package esign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// withWebhooks gives the harness a real webhook client that may reach
// loopback receivers.
func (h *harness) withWebhooks(timeout time.Duration) *harness {
	h.svc.Webhooks = webhook.New(webhook.Config{Policy: webhook.Policy{Allow: webhooktest.Loopback}, Timeout: timeout})
	box, err := esign.NewSecretBox(bytes.Repeat([]byte{7}, 32))
	must(h.t, err)
	h.svc.Secrets = box
	return h
}

// endpoint subscribes a receiver to events and points it at the secret.
func (h *harness) endpoint(p *esign.Principal, r *webhooktest.Receiver, events ...esign.EventType) *esign.WebhookEndpoint {
	h.t.Helper()
	ep, secret, err := h.svc.CreateWebhookEndpoint(context.Background(), p, esign.WebhookEndpointInput{URL: &r.URL, Events: events})
	must(h.t, err)
	if ep.Secret == secret || strings.Contains(ep.Secret, secret[6:]) {
		h.t.Fatalf("the stored secret %q is not sealed", ep.Secret)
	}
	r.SetSecrets(secret)
	r.IgnoreTimestamps() // the harness clock is not the wall clock
	return ep
}

// signAll opens, fills and completes as each signer, then runs the jobs.
func (h *harness) signAll(fields map[string]*esign.Field) {
	h.t.Helper()
	ctx := context.Background()
	for who, f := range fields {
		tok := h.openAs(who)
		_, err := h.svc.FillField(ctx, tok, f.ID, typed("Signer "+who))
		must(h.t, err)
		_, err = h.svc.CompleteRecipient(ctx, tok)
		must(h.t, err)
	}
	h.drain()
}

// eventTypes lists the types of the requests' events, sorted: events of one
// transaction are delivered in no particular order, as Standard Webhooks
// allows; receivers order by the event's timestamp.
func eventTypes(t *testing.T, rs []webhooktest.Request) []esign.EventType {
	t.Helper()
	var out []esign.EventType
	for _, r := range rs {
		var e esign.Event
		if err := json.Unmarshal(r.Body, &e); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		out = append(out, e.Type)
	}
	slices.Sort(out)
	return out
}

func TestWebhookEventsOfAnEnvelope(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	all := webhooktest.NewReceiver(t)
	h.endpoint(p, all, esign.EventTypes...)
	some := webhooktest.NewReceiver(t)
	h.endpoint(p, some, esign.EventEnvelopeCompleted)

	d, fields := h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	h.signAll(fields)
	h.drain()

	want := []esign.EventType{esign.EventEnvelopeCompleted, esign.EventEnvelopeDelivered, esign.EventEnvelopeSent,
		esign.EventRecipientSigned, esign.EventRecipientViewed}
	if got := eventTypes(t, all.Requests()); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if got := eventTypes(t, some.Requests()); !slices.Equal(got, []esign.EventType{esign.EventEnvelopeCompleted}) {
		t.Fatalf("the completed-only endpoint got %v", got)
	}
	completed, signed := eventOf(t, all, esign.EventEnvelopeCompleted), eventOf(t, all, esign.EventRecipientSigned)
	if completed.Data.Envelope.ID != d.Envelope.ID || completed.Data.Envelope.Status != esign.StatusCompleted {
		t.Errorf("completed event data %+v", completed.Data)
	}
	if signed.Data.Recipient == nil || signed.Data.Recipient.Email != "ana@example.com" {
		t.Errorf("signed event names recipient %+v", signed.Data.Recipient)
	}
	ids := map[string]bool{}
	for _, r := range append(all.Requests(), some.Requests()...) {
		ids[r.ID()] = true
	}
	if len(ids) != 6 {
		t.Errorf("%d distinct webhook-ids for 6 deliveries", len(ids))
	}

	page, err := h.svc.Notifications(context.Background(), p, esign.ListInput{}, true)
	must(t, err)
	var notified []esign.EventType
	for _, n := range page.Items {
		notified = append(notified, n.Type)
		if n.Type == esign.EventRecipientSigned && (n.RecipientID == "" || !strings.Contains(n.Message, "ana@example.com")) {
			t.Errorf("signed notification %+v does not name the signer", n)
		}
	}
	slices.Sort(notified) // both happened at the same (fake) time
	if !slices.Equal(notified, []esign.EventType{esign.EventEnvelopeCompleted, esign.EventRecipientSigned}) {
		t.Errorf("notifications %v, want completed and signed", notified)
	}
}

func TestDeclineAndVoidEvents(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	r := webhooktest.NewReceiver(t)
	h.endpoint(p, r, esign.EventEnvelopeDeclined, esign.EventRecipientDeclined, esign.EventEnvelopeVoided)
	ctx := context.Background()

	h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	must(t, h.svc.Decline(ctx, h.openAs("ana@example.com"), "wrong rent"))
	d2, _ := h.sentEnvelope(p, recipientSpec{"bob@example.com", esign.RoleSigner, 1})
	_, err := h.svc.Void(ctx, p, d2.Envelope.ID, "superseded")
	must(t, err)
	h.drain()

	want := []esign.EventType{esign.EventEnvelopeDeclined, esign.EventEnvelopeVoided, esign.EventRecipientDeclined}
	if got := eventTypes(t, r.Requests()); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if voided := eventOf(t, r, esign.EventEnvelopeVoided); voided.Data.Reason != "superseded" {
		t.Errorf("voided reason %q", voided.Data.Reason)
	}
}

// eventOf returns the event of the type a receiver got.
func eventOf(t *testing.T, r *webhooktest.Receiver, typ esign.EventType) esign.Event {
	t.Helper()
	for _, q := range r.Requests() {
		var e esign.Event
		if json.Unmarshal(q.Body, &e) == nil && e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event", typ)
	return esign.Event{}
}

// webhookJobs returns the webhook jobs of a status.
func (h *harness) webhookJobs(status esign.JobStatus) []*esign.Job {
	h.t.Helper()
	var out []*esign.Job
	must(h.t, h.db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		js, err := tx.JobsByStatus(ctx, status, 1000)
		for _, j := range js {
			if j.Kind == esign.JobWebhook {
				out = append(out, j)
			}
		}
		return err
	}))
	return out
}

func TestNoEndpointNoWebhookJob(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	other := h.register("otto@example.com")
	h.endpoint(other, webhooktest.NewReceiver(t), esign.EventTypes...) // another organization's
	_, fields := h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	h.signAll(fields)
	for _, st := range []esign.JobStatus{esign.JobPending, esign.JobDone, esign.JobDead} {
		if js := h.webhookJobs(st); len(js) != 0 {
			t.Errorf("%d %s webhook jobs for an organization without endpoints", len(js), st)
		}
	}
}

// sentTo sends an envelope with an endpoint for envelope.sent whose
// receiver answers status.
func sentTo(t *testing.T, status int) (*harness, *esign.Principal, *webhooktest.Receiver, *esign.WebhookEndpoint) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	r := webhooktest.NewReceiver(t)
	r.Answer(func(int) int { return status })
	ep := h.endpoint(p, r, esign.EventEnvelopeSent)
	h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	return h, p, r, ep
}

func TestFailingEndpointWalksTheScheduleToTheDeadLetters(t *testing.T) {
	h, p, r, ep := sentTo(t, http.StatusInternalServerError)

	for i := 1; i < len(esign.WebhookSchedule); i++ {
		pending := h.webhookJobs(esign.JobPending)
		if len(pending) != 1 {
			t.Fatalf("after attempt %d: %d pending webhook jobs", i, len(pending))
		}
		wait, want := pending[0].RunAt.Sub(h.clock.Now()), esign.WebhookSchedule[i]
		if wait < want-want/10 || wait > want+want/10 {
			t.Fatalf("after attempt %d the next waits %v, want %v ±10%%", i, wait, want)
		}
		h.clock.Advance(wait - time.Microsecond)
		h.drain()
		if got := len(r.Requests()); got != i {
			t.Fatalf("attempt %d ran before its time: %d requests", i+1, got)
		}
		h.clock.Advance(time.Microsecond)
		h.drain()
	}
	reqs := r.Requests()
	if len(reqs) != len(esign.WebhookSchedule) || len(h.webhookJobs(esign.JobDead)) != 1 {
		t.Fatalf("%d attempts, %d dead jobs; want %d and 1", len(reqs), len(h.webhookJobs(esign.JobDead)), len(esign.WebhookSchedule))
	}
	for _, q := range reqs {
		if q.ID() != reqs[0].ID() {
			t.Fatalf("webhook-id changed between attempts: %s, %s", reqs[0].ID(), q.ID())
		}
	}
	if reqs[0].Header.Get("webhook-timestamp") == reqs[1].Header.Get("webhook-timestamp") {
		t.Error("the timestamp is not the attempt's")
	}
	page, err := h.svc.WebhookDeliveries(context.Background(), p, ep.ID, esign.ListInput{})
	must(t, err)
	d := page.Items[0]
	if d.Status != esign.DeliveryDead || len(d.AttemptLog) != len(esign.WebhookSchedule) || d.AttemptLog[0].StatusCode != 500 || d.AttemptLog[0].Response != "answer 500" {
		t.Fatalf("delivery %+v with log %+v", d, d.AttemptLog[0])
	}

	var findings []esign.Finding
	_, err = h.svc.Fsck(context.Background(), func(f esign.Finding) { findings = append(findings, f) })
	must(t, err)
	if len(findings) != 1 || findings[0].Severity != esign.SevWarning {
		t.Errorf("fsck with a dead webhook: %+v, want one warning", findings)
	}

	r.Answer(func(int) int { return http.StatusOK })
	_, err = h.svc.ReplayWebhookDelivery(context.Background(), p, ep.ID, d.ID)
	must(t, err)
	h.drain()
	reqs = r.Requests()
	if len(reqs) != len(esign.WebhookSchedule)+1 || reqs[len(reqs)-1].ID() != d.ID {
		t.Fatalf("replay: %d requests, last id %s, want the delivery's id %s", len(reqs), reqs[len(reqs)-1].ID(), d.ID)
	}
	page, err = h.svc.WebhookDeliveries(context.Background(), p, ep.ID, esign.ListInput{})
	must(t, err)
	if page.Items[0].Status != esign.DeliverySucceeded {
		t.Errorf("after the replay the delivery is %s", page.Items[0].Status)
	}
	_, err = h.svc.ReplayWebhookDelivery(context.Background(), p, ep.ID, "msg_00000000000000000000000000")
	wantCode(t, err, esign.KindNotFound, esign.CodeNotFound)
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	h, p, r, ep := sentTo(t, http.StatusGone)
	h.sentEnvelope(p, recipientSpec{"bob@example.com", esign.RoleSigner, 1})
	if n := len(r.Requests()); n != 1 {
		t.Fatalf("%d requests after a 410, want 1", n)
	}
	got, err := h.svc.WebhookEndpoint(context.Background(), p, ep.ID)
	must(t, err)
	if got.Enabled || got.DisabledReason == "" {
		t.Fatalf("endpoint after 410: %+v", got)
	}
	if len(h.webhookJobs(esign.JobPending)) != 0 || len(h.webhookJobs(esign.JobDead)) != 0 {
		t.Error("a 410 left jobs to retry")
	}
	page, err := h.svc.WebhookDeliveries(context.Background(), p, ep.ID, esign.ListInput{})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].Status != esign.DeliveryFailed {
		t.Fatalf("deliveries after 410: %+v", page.Items)
	}
	_, err = h.svc.ReplayWebhookDelivery(context.Background(), p, ep.ID, page.Items[0].ID)
	wantCode(t, err, esign.KindConflict, esign.CodeInvalidTransition)
	on := true
	_, err = h.svc.UpdateWebhookEndpoint(context.Background(), p, ep.ID, esign.WebhookEndpointInput{Enabled: &on})
	must(t, err)
	r.Answer(func(int) int { return http.StatusNoContent })
	_, err = h.svc.ReplayWebhookDelivery(context.Background(), p, ep.ID, page.Items[0].ID)
	must(t, err)
	h.drain()
	if got, _ := h.svc.WebhookEndpoint(context.Background(), p, ep.ID); !got.Enabled || got.DisabledReason != "" || len(r.Requests()) != 2 {
		t.Errorf("re-enabled endpoint %+v after %d requests", got, len(r.Requests()))
	}
}

// TestHangingEndpointDoesNotDelayAHealthyOne runs the real worker loop: the
// hanging receiver's delivery is due first and holds one slot for the
// attempt timeout; the healthy one's is served by another slot at once.
func TestHangingEndpointDoesNotDelayAHealthyOne(t *testing.T) {
	h := newHarness(t).withWebhooks(3 * time.Second)
	p := h.register("olive@example.com")
	slow, fast := webhooktest.NewReceiver(t), webhooktest.NewReceiver(t)
	slow.Hang(20 * time.Second)
	h.endpoint(p, slow, esign.EventEnvelopeSent)
	h.endpoint(p, fast, esign.EventEnvelopeVoided)
	ctx := context.Background()
	d, doc := h.draft(p, 1)
	rc, err := h.svc.AddRecipient(ctx, p, d.Envelope.ID, esign.RecipientInput{Name: "Ana", Email: "ana@example.com", Role: "signer", RoutingOrder: 1})
	must(t, err)
	h.signatureField(p, d.Envelope.ID, doc.ID, rc.ID)
	_, err = h.svc.Send(ctx, p, d.Envelope.ID) // the hanging receiver's delivery, due first
	must(t, err)
	h.clock.Advance(time.Second)
	_, err = h.svc.Void(ctx, p, d.Envelope.ID, "superseded") // the healthy one's, due a second later
	must(t, err)

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { h.runner.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	start := time.Now()
	for len(fast.Requests()) == 0 {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the healthy endpoint waited behind the hanging one")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for len(slow.Requests()) == 0 && time.Since(start) < 3*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if len(slow.Requests()) != 1 {
		t.Errorf("the hanging endpoint got %d requests", len(slow.Requests()))
	}
}

// TestJobsReplayRevivesADeadDelivery: `gsign jobs replay` on a dead webhook
// job attempts the delivery again.
func TestJobsReplayRevivesADeadDelivery(t *testing.T) {
	h, p, r, ep := sentTo(t, http.StatusServiceUnavailable)
	for range len(esign.WebhookSchedule) {
		h.clock.Advance(25 * time.Hour)
		h.drain()
	}
	dead := h.webhookJobs(esign.JobDead)
	if len(dead) != 1 {
		t.Fatalf("%d dead webhook jobs", len(dead))
	}
	r.Answer(func(int) int { return http.StatusAccepted })
	must(t, h.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.ReplayJob(ctx, dead[0].ID, tx.Now())
	}))
	h.drain()
	page, err := h.svc.WebhookDeliveries(context.Background(), p, ep.ID, esign.ListInput{})
	must(t, err)
	if d := page.Items[0]; d.Status != esign.DeliverySucceeded || d.Attempts != len(esign.WebhookSchedule)+1 {
		t.Fatalf("after jobs replay: %s after %d attempts", d.Status, d.Attempts)
	}
}
