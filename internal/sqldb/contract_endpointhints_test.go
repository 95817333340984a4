package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// knownEndpoints is what tx knows of the organization's endpoints.
func knownEndpoints(t *testing.T, tx esign.Tx, orgID string) (has, known bool) {
	t.Helper()
	h, ok := tx.(esign.EndpointHints)
	if !ok {
		t.Fatalf("%T does not give esign.EndpointHints", tx)
	}
	return h.KnownWebhookEndpoints(orgID)
}

// testEndpointHints: every read of an envelope (by id, locked, listed, by
// a recipient token's context, locked or not) tells the transaction
// whether the envelope's organization has webhook endpoints, as of that
// read: none, one, none again after its deletion; another organization's
// endpoints count for nothing. A transaction that read nothing knows
// nothing, whatever the ones before it read.
func testEndpointHints(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w, other := newWorld(t, db), newWorld(t, db)
	tok := &esign.RecipientToken{Hash: "eh_" + w.Envelope.ID, EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Kind: esign.TokenLink, CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateRecipientToken(ctx, tok) })
	reads := map[string]func(ctx context.Context, tx esign.Tx) error{
		"EnvelopeByID": func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
			return err
		},
		"LockEnvelope": func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.LockEnvelope(ctx, w.Envelope.ID)
			return err
		},
		"ListEnvelopes": func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.ListEnvelopes(ctx, esign.EnvelopeFilter{OrgID: w.Org.ID})
			return err
		},
		"TokenContext": func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.TokenContext(ctx, tok.Hash, esign.TokenRead{})
			return err
		},
		"TokenContext locked": func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.TokenContext(ctx, tok.Hash, esign.TokenRead{Lock: true})
			return err
		},
	}
	check := func(stage string, want bool) {
		t.Helper()
		for name, read := range reads {
			inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
				if _, known := knownEndpoints(t, tx, w.Org.ID); known {
					t.Errorf("%s, %s: a transaction that read nothing knows of endpoints", stage, name)
				}
				if err := read(ctx, tx); err != nil {
					return err
				}
				if has, known := knownEndpoints(t, tx, w.Org.ID); !known || has != want {
					t.Errorf("%s, %s: has endpoints %v (known %v), want %v", stage, name, has, known, want)
				}
				if _, known := knownEndpoints(t, tx, other.Org.ID); known {
					t.Errorf("%s, %s: knows of an organization it read nothing of", stage, name)
				}
				return nil
			})
		}
	}
	foreign := newEndpoint(other, "whe_eh_"+other.Org.ID, t0)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateWebhookEndpoint(ctx, foreign) })
	check("none", false)
	ep := newEndpoint(w, "whe_eh_"+w.Org.ID, t0)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateWebhookEndpoint(ctx, ep) })
	check("one", true)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.DeleteWebhookEndpoint(ctx, ep.ID) })
	check("after deletion", false)
}

// testEndpointsOncePerTransaction: a transaction reads an organization's
// endpoints once, and knows from that read whether it has any; what it
// answers again is a copy, and writing an endpoint makes it read again.
func testEndpointsOncePerTransaction(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	first, second := newEndpoint(w, "whe_once_1", t0), newEndpoint(w, "whe_once_2", t0.Add(time.Second))
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateWebhookEndpoint(ctx, first) })
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		before := db.Stats().Statements
		eps, err := tx.WebhookEndpointsByOrg(ctx, w.Org.ID)
		if err != nil {
			return err
		}
		if has, known := knownEndpoints(t, tx, w.Org.ID); !known || !has {
			t.Errorf("after listing one endpoint: has %v, known %v", has, known)
		}
		eps[0].Events[0], eps[0].URL = esign.EventEnvelopeVoided, "https://changed.example.com/"
		again, err := tx.WebhookEndpointsByOrg(ctx, w.Org.ID)
		if err != nil {
			return err
		}
		if n := db.Stats().Statements - before; n != 1 {
			t.Errorf("listing twice ran %d statements, want 1", n)
		}
		wantEqual(t, again, []*esign.WebhookEndpoint{first})
		if err := tx.CreateWebhookEndpoint(ctx, second); err != nil {
			return err
		}
		if _, known := knownEndpoints(t, tx, w.Org.ID); known {
			t.Error("still knows of the endpoints after writing one")
		}
		after, err := tx.WebhookEndpointsByOrg(ctx, w.Org.ID)
		if err != nil {
			return err
		}
		wantEqual(t, after, []*esign.WebhookEndpoint{first, second})
		return nil
	})
}
