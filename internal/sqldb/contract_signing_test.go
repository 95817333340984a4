package sqldb

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testSignatures: signatures read back in creation order with their images
// byte for byte (the largest an upload may be, every byte value), and a
// signature without one (written before images moved into the row) reads
// back with a nil image and its blob key.
func testSignatures(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	f := w.field("fld_1")
	large := make([]byte, esign.MaxSignatureBytes)
	for i := range large {
		large[i] = byte(i * 7)
	}
	sigs := []*esign.Signature{
		{ID: "sig_9", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, FieldID: "fld_1", Kind: esign.SignatureTyped,
			Text: "Rita R", Font: "caveat", Image: []byte("\x89PNG\r\n\x1a\n\x00\xff"), SHA256: "s9", IP: "192.0.2.9", UserAgent: "ua", CreatedAt: t0},
		{ID: "sig_1", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, FieldID: "fld_1", Kind: esign.SignatureDraw,
			BlobKey: "sigs/1", SHA256: "s1", CreatedAt: t0},
		{ID: "sig_5", EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, FieldID: "fld_1", Kind: esign.SignatureUpload,
			Image: large, SHA256: "s5", CreatedAt: t0},
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateField(ctx, f); err != nil {
			return err
		}
		for _, g := range sigs {
			if err := tx.CreateSignature(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		wantKind esign.Kind
	}{
		{"in creation order", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.SignaturesByEnvelope(ctx, w.Envelope.ID)
			wantEqual(t, got, sigs)
			return err
		}, ""},
		{"none for another envelope", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.SignaturesByEnvelope(ctx, "env_nope")
			wantEqual(t, got, []*esign.Signature{})
			return err
		}, ""},
		{"duplicate id", func(ctx context.Context, tx esign.Tx) error { return tx.CreateSignature(ctx, sigs[0]) }, esign.KindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
		})
	}
}

func testRecipientTokens(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	mk := func(hash string, kind esign.RecipientTokenKind, expires *time.Time) *esign.RecipientToken {
		return &esign.RecipientToken{Hash: hash, EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Kind: kind, ExpiresAt: expires, CreatedAt: t0}
	}
	link, embedded, contested := mk("t_link", esign.TokenLink, nil), mk("t_emb", esign.TokenEmbedded, ptr(t0.Add(5*time.Minute))), mk("t_race", esign.TokenEmbedded, nil)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, k := range []*esign.RecipientToken{link, embedded, contested} {
			if err := tx.CreateRecipientToken(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	usedAt := t0.Add(time.Minute)
	t.Run("read back", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.RecipientTokenByHash(ctx, "t_emb")
			wantEqual(t, got, embedded)
			_, err2 := tx.RecipientTokenByHash(ctx, "nope")
			wantErr(t, err2, esign.KindNotFound, esign.CodeNotFound)
			return err
		})
	})
	uses := []struct {
		name string
		hash string
		kind esign.Kind
	}{
		{"unused token", "t_emb", ""},
		{"the same token again", "t_emb", esign.KindConflict},
		{"unknown token", "nope", esign.KindConflict},
	}
	for _, tt := range uses {
		t.Run("use "+tt.name, func(t *testing.T) {
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				return tx.UseRecipientToken(ctx, tt.hash, usedAt)
			})
			code := ""
			if tt.kind != "" {
				code = esign.CodeLinkGone
			}
			checkErr(t, err, tt.kind, code)
		})
	}
	t.Run("use keeps the first time", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.RecipientTokenByHash(ctx, "t_emb")
			wantEqual(t, got.UsedAt, &usedAt)
			return err
		})
	})
	t.Run("concurrent uses: exactly one wins", func(t *testing.T) {
		won := race(t, 64, func() (bool, error) {
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				return tx.UseRecipientToken(ctx, "t_race", usedAt)
			})
			if esign.ErrorCode(err) == esign.CodeLinkGone {
				return false, nil
			}
			return err == nil, err
		})
		if won != 1 {
			t.Fatalf("%d uses won, want 1", won)
		}
	})
}

func testAudit(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	ev := func(seq int64, data map[string]string) *esign.AuditEvent {
		return &esign.AuditEvent{EnvelopeID: w.Envelope.ID, Seq: seq, Version: esign.AuditEncodingVersion, Type: esign.AuditFieldFilled,
			Actor:      esign.Actor{Type: esign.ActorRecipient, ID: w.Recipient.ID, Email: "rita@example.com", IP: "192.0.2.1", UserAgent: "ua"},
			OccurredAt: t0.Add(time.Duration(seq) * time.Microsecond), Data: data, PreviousHash: "prev", Hash: "hash"}
	}
	// Appended out of order: the list must come back in seq order.
	events := []*esign.AuditEvent{ev(2, map[string]string{}), ev(1, map[string]string{"name": "Ünïcode \"quoted\"", "z": "1"}), ev(3, nil)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, e := range events {
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		wantKind esign.Kind
	}{
		{"in seq order, data as written", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuditEvents(ctx, w.Envelope.ID)
			wantEqual(t, got, []*esign.AuditEvent{events[1], events[0], events[2]})
			return err
		}, ""},
		{"none for another envelope", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuditEvents(ctx, "env_nope")
			wantEqual(t, got, []*esign.AuditEvent{})
			return err
		}, ""},
		{"a second event with the same seq", func(ctx context.Context, tx esign.Tx) error {
			return tx.AppendAudit(ctx, ev(2, nil))
		}, esign.KindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
		})
	}
}

func testIdempotency(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	rec := func(key string, expires time.Duration) *esign.IdempotencyRecord {
		return &esign.IdempotencyRecord{Scope: "usr_1", Key: key, RequestHash: "rh", CreatedAt: t0,
			ExpiresAt: t0.Add(expires), LockedUntil: t0.Add(time.Minute)}
	}
	r1, r2, r3 := rec("k1", time.Hour), rec("k2", 2*time.Hour), rec("k3", 3*time.Hour)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, r := range []*esign.IdempotencyRecord{r1, r2, r3} {
			if err := tx.CreateIdempotency(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	saved := *r1
	saved.Status, saved.Header, saved.Body, saved.ExpiresAt = 201, []byte(`{"Location":["/x"]}`), []byte("{\x00binary}"), t0.Add(4*time.Hour)
	otherScope := *r2
	otherScope.Scope = "usr_2"
	get := func(ctx context.Context, tx esign.Tx, scope, key string) (*esign.IdempotencyRecord, error) {
		return tx.IdempotencyByKey(ctx, scope, key)
	}
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		wantKind esign.Kind
		wantCode string
	}{
		{"same scope and key is in flight", func(ctx context.Context, tx esign.Tx) error { return tx.CreateIdempotency(ctx, r1) },
			esign.KindConflict, esign.CodeIdempotencyInFlight},
		{"same key in another scope is new", func(ctx context.Context, tx esign.Tx) error { return tx.CreateIdempotency(ctx, &otherScope) }, "", ""},
		{"save stores the response", func(ctx context.Context, tx esign.Tx) error {
			if err := tx.SaveIdempotency(ctx, &saved); err != nil {
				return err
			}
			got, err := get(ctx, tx, "usr_1", "k1")
			if err == nil && (got.Status != 201 || !bytes.Equal(got.Header, saved.Header) || !bytes.Equal(got.Body, saved.Body) || !got.ExpiresAt.Equal(saved.ExpiresAt)) {
				t.Errorf("got %+v, want %+v", got, &saved)
			}
			return err
		}, "", ""},
		{"save unknown record", func(ctx context.Context, tx esign.Tx) error { return tx.SaveIdempotency(ctx, rec("nope", 0)) },
			esign.KindNotFound, esign.CodeNotFound},
		{"unknown key", func(ctx context.Context, tx esign.Tx) error {
			_, err := get(ctx, tx, "usr_2", "k1")
			return err
		}, esign.KindNotFound, esign.CodeNotFound},
		{"delete", func(ctx context.Context, tx esign.Tx) error {
			if err := tx.DeleteIdempotency(ctx, "usr_1", "k2"); err != nil {
				return err
			}
			_, err := get(ctx, tx, "usr_1", "k2")
			wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
			return tx.DeleteIdempotency(ctx, "usr_1", "k2") // deleting nothing is fine
		}, "", ""},
		{"purge deletes what expired before the time", func(ctx context.Context, tx esign.Tx) error {
			n, err := tx.PurgeIdempotency(ctx, t0.Add(3*time.Hour)) // usr_2/k2 (2h); not k3 (3h) nor k1 (4h)
			wantEqual(t, n, int64(1))
			if _, err := get(ctx, tx, "usr_1", "k3"); err != nil {
				t.Errorf("k3 expiring exactly at the purge time was purged: %v", err)
			}
			return err
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, tt.wantCode)
		})
	}
	t.Run("read back in full", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := get(ctx, tx, "usr_1", "k3")
			if err == nil && (got.Scope != r3.Scope || got.RequestHash != r3.RequestHash || got.Status != 0 ||
				!got.CreatedAt.Equal(r3.CreatedAt) || !got.LockedUntil.Equal(r3.LockedUntil) || len(got.Header)+len(got.Body) != 0) {
				t.Errorf("got %+v, want %+v", got, r3)
			}
			return err
		})
	})
}
