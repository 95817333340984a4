package sqldb

import (
	"context"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// testTokenContext: a recipient token comes back with its envelope, the
// envelope's owner and recipients, exactly as the three reads it stands for give
// them (recipients by routing order, then as added), locked or not; an
// unknown hash is not found. The envelope reflects a write deferred in the
// same transaction.
func testTokenContext(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	tok := &esign.RecipientToken{Hash: "tc_1", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Kind: esign.TokenLink, CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for i, order := range []int{3, 1, 2} {
			r := *w.Recipient
			r.ID, r.RoutingOrder, r.Email = w.Recipient.ID+"_"+string(rune('a'+i)), order, string(rune('a'+i))+"@example.com"
			if err := tx.CreateRecipient(ctx, &r); err != nil {
				return err
			}
		}
		return tx.CreateRecipientToken(ctx, tok)
	})
	want := func(ctx context.Context, tx esign.Tx) *esign.TokenContext {
		tk, err1 := tx.RecipientTokenByHash(ctx, tok.Hash)
		e, err2 := tx.EnvelopeByID(ctx, tok.EnvelopeID)
		rs, err3 := tx.RecipientsByEnvelope(ctx, tok.EnvelopeID)
		o, err4 := tx.UserByID(ctx, w.Envelope.OwnerID)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return &esign.TokenContext{Token: tk, Envelope: e, Owner: o, Recipients: rs}
	}
	for _, lock := range []bool{false, true} {
		run := db.View
		if lock {
			run = db.InTx
		}
		err := run(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			if lock {
				e, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
				if err != nil {
					return err
				}
				e.Name = "Renamed"
				if err := tx.UpdateEnvelope(ctx, e); err != nil {
					return err
				}
			}
			got, err := tx.TokenContext(ctx, tok.Hash, lock)
			if err != nil {
				return err
			}
			if len(got.Recipients) != 4 || got.Recipients[0].RoutingOrder != 1 || lock && got.Envelope.Name != "Renamed" {
				t.Errorf("lock %v: recipients by routing order %v, envelope %q", lock, orders(got.Recipients), got.Envelope.Name)
			}
			wantEqual(t, got, want(ctx, tx))
			_, err = tx.TokenContext(ctx, "tc_nope", lock)
			checkErr(t, err, esign.KindNotFound, esign.CodeNotFound)
			return nil
		})
		checkErr(t, err, "", "")
	}
}

func orders(rs []*esign.Recipient) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.RoutingOrder
	}
	return out
}
