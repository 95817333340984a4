package esign_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// countingStore counts the webhook store calls of the transactions it runs.
type countingStore struct {
	esign.Store
	endpointReads, deliveries atomic.Int64
}

type countingTx struct {
	esign.Tx
	s *countingStore
}

func (s *countingStore) InTx(ctx context.Context, fn func(context.Context, esign.Tx) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error { return fn(ctx, countingTx{tx, s}) })
}

func (t countingTx) WebhookEndpointsByOrg(ctx context.Context, org string) ([]*esign.WebhookEndpoint, error) {
	t.s.endpointReads.Add(1)
	return t.Tx.WebhookEndpointsByOrg(ctx, org)
}

func (t countingTx) CreateWebhookDelivery(ctx context.Context, d *esign.WebhookDelivery) error {
	t.s.deliveries.Add(1)
	return t.Tx.CreateWebhookDelivery(ctx, d)
}

// TestRaisingWithoutEndpointsIsCheap: for an organization without
// endpoints, each audit action that raises events costs one endpoint query
// and writes no delivery.
func TestRaisingWithoutEndpointsIsCheap(t *testing.T) {
	h := newHarness(t).withWebhooks(5 * time.Second)
	cs := &countingStore{Store: h.db}
	h.svc.Store = cs
	p := h.register("olive@example.com")
	_, fields := h.sentEnvelope(p, recipientSpec{"ana@example.com", esign.RoleSigner, 1})
	h.signAll(fields)
	// sent, viewed, signed, result_ready; field_filled, notified and the
	// others raise nothing and read nothing.
	if n := cs.endpointReads.Load(); n != 4 {
		t.Errorf("%d endpoint queries, want 4", n)
	}
	if n := cs.deliveries.Load(); n != 0 {
		t.Errorf("%d deliveries written", n)
	}
}
