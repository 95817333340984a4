package esign_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/webhook/webhooktest"
)

// endpointLookups counts the statements that look up an organization's
// webhook endpoints while op runs.
func (h *harness) endpointLookups(op func()) int {
	h.t.Helper()
	var mu sync.Mutex
	n := 0
	trace := func(q string) {
		if strings.Contains(q, "FROM webhook_endpoints WHERE org_id = ") {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}
	h.trace.Store(&trace)
	defer h.trace.Store(nil)
	op()
	mu.Lock()
	defer mu.Unlock()
	return n
}

// TestEventReachesAnEndpointCreatedJustBefore: the envelope's earlier
// transactions learnt that its organization had no endpoint; an endpoint
// created after them gets the events of the very next transaction, and
// none of the events before it.
func TestEventReachesAnEndpointCreatedJustBefore(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	p := h.register("olive@example.com")
	ctx := context.Background()
	_, fields := h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	tok := h.openAs("ana@example.com")
	_, err := h.svc.FillField(ctx, tok, fields["ana@example.com"].ID, typed("Ana"))
	must(t, err)

	r := webhooktest.NewReceiver(t)
	h.endpoint(p, r, esign.EventTypes...)
	_, err = h.svc.CompleteRecipient(ctx, tok)
	must(t, err)
	h.drain()

	want := []esign.EventType{esign.EventEnvelopeCompleted, esign.EventRecipientSigned}
	if got := eventTypes(t, r.Requests()); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v (sent and viewed came before the endpoint)", got, want)
	}
}

// TestNoEndpointsNoLookup: once a transaction has read the envelope, an
// organization without endpoints raises its events (and notifies its
// owner) without looking endpoints up; one with endpoints still looks them
// up, and gets them.
func TestNoEndpointsNoLookup(t *testing.T) {
	for _, notifying := range []bool{false, true} {
		t.Run(map[bool]string{false: "store", true: "NotifyChanges"}[notifying], func(t *testing.T) {
			testNoEndpointsNoLookup(t, notifying)
		})
	}
}

// testNoEndpointsNoLookup runs TestNoEndpointsNoLookup on the bare store
// or, as a server does (and the harness), through NotifyChanges, whose
// transactions wrap the store's and must pass on its hints.
func testNoEndpointsNoLookup(t *testing.T, notifying bool) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	if !notifying {
		h.svc.Store = h.db
	}
	ctx := context.Background()
	for _, withEndpoint := range []bool{false, true} {
		email := map[bool]string{false: "olive@example.com", true: "otto@example.com"}[withEndpoint]
		p := h.register(email)
		r := webhooktest.NewReceiver(t)
		if withEndpoint {
			h.endpoint(p, r, esign.EventTypes...)
		}
		signer := "ana." + email
		d, fields := h.sentEnvelope(p, recipientSpec{signer, esign.RoleSigner, 1})
		var tok string
		open := h.endpointLookups(func() { tok = h.openAs(signer) })
		_, err := h.svc.FillField(ctx, tok, fields[signer].ID, typed("Ana"))
		must(t, err)
		complete := h.endpointLookups(func() {
			_, err := h.svc.CompleteRecipient(ctx, tok)
			must(t, err)
		})
		finalize := h.endpointLookups(h.drain)
		if got, want := []int{open, complete, finalize}, map[bool][]int{false: {0, 0, 0}, true: {1, 1, 1}}[withEndpoint]; !slices.Equal(got, want) {
			t.Errorf("endpoints %v: lookups by open, complete, finalize %v, want %v", withEndpoint, got, want)
		}
		page, err := h.svc.Notifications(ctx, p, esign.ListInput{}, true)
		must(t, err)
		if len(page.Items) != 2 {
			t.Errorf("endpoints %v: %d notifications of %s, want signed and completed", withEndpoint, len(page.Items), d.Envelope.ID)
		}
		if got := len(r.Requests()); withEndpoint && got != 5 {
			t.Errorf("%d events delivered, want sent, delivered, viewed, signed and completed", got)
		}
	}
}
