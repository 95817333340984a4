package sqldb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func testSSO(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w, other := newWorld(t, db), newWorld(t, db)
	ctx := context.Background()
	cfg := &esign.SSOConfig{OrgID: w.Org.ID, Issuer: "https://idp.example/realms/acme", ClientID: "gsign",
		ClientSecret: "sealed:v1:abc", DefaultRole: esign.RoleMember, Enforce: true, CreatedAt: t0, UpdatedAt: t0}
	t.Run("config insert, replace, read", func(t *testing.T) {
		err := db.View(ctx, func(ctx context.Context, tx esign.Tx) error { _, err := tx.SSOConfigByOrg(ctx, w.Org.ID); return err })
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.SaveSSOConfig(ctx, cfg) })
		changed := *cfg
		changed.ClientSecret, changed.Enforce, changed.UpdatedAt = "", false, t0.Add(time.Second)
		changed.CreatedAt = t0.Add(time.Hour) // ignored on replace: created_at stays
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.SaveSSOConfig(ctx, &changed) })
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.SSOConfigByOrg(ctx, w.Org.ID)
			checkErr(t, err, "", "")
			want := changed
			want.CreatedAt = t0
			wantEqual(t, got, &want)
			return nil
		})
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.SaveSSOConfig(ctx, cfg) })
	})
	t.Run("domains are claimed by many, verified by one", func(t *testing.T) { testSSODomains(t, db, w, other) })
	t.Run("of simultaneous verifications one wins", func(t *testing.T) { testSSOVerifyRace(t, db) })
	t.Run("states are single-use and purged", func(t *testing.T) { testSSOStates(t, db, w) })
	t.Run("identities", func(t *testing.T) { testSSOIdentities(t, db, w) })
	t.Run("delete takes everything of the organization", func(t *testing.T) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			return tx.MarkSSODomainVerified(ctx, w.Org.ID, "a.acme.example", t0)
		})
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.DeleteSSO(ctx, w.Org.ID) })
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.SSOConfigByOrg(ctx, w.Org.ID)
			wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
			ds, err := tx.SSODomainsByOrg(ctx, w.Org.ID)
			checkErr(t, err, "", "")
			links, err := tx.SSOIdentitiesByUser(ctx, w.User.ID)
			checkErr(t, err, "", "")
			if len(ds) != 0 || len(links) != 0 {
				t.Fatalf("left %d domains, %d links", len(ds), len(links))
			}
			d, err := tx.SSODomainClaim(ctx, other.Org.ID, "other.example")
			checkErr(t, err, "", "")
			if d.OrgID != other.Org.ID {
				t.Fatalf("another organization's domain went too: %+v", d)
			}
			_, err = tx.VerifiedSSODomain(ctx, "a.acme.example")
			wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
			return nil
		})
		// The domain the organization had verified is free for another.
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			return errors.Join(claimSSODomain(ctx, tx, other, "a.acme.example", "tok-o2"),
				tx.MarkSSODomainVerified(ctx, other.Org.ID, "a.acme.example", t0))
		})
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error { return tx.DeleteSSO(ctx, w.Org.ID) })
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
	})
}

func testSSOStates(t *testing.T, db *DB, w *world) {
	st := &esign.SSOState{Hash: "h1", OrgID: w.Org.ID, Nonce: "n", Verifier: "sealed:v", BrowserHash: "b",
		ExpiresAt: t0.Add(10 * time.Minute), CreatedAt: t0}
	old := &esign.SSOState{Hash: "h0", OrgID: w.Org.ID, Nonce: "n0", Verifier: "v0", BrowserHash: "b0", ExpiresAt: t0.Add(-time.Second), CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateSSOState(ctx, st), tx.CreateSSOState(ctx, old))
	})
	var first, second bool
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		first, err = tx.UseSSOState(ctx, "h1", t0.Add(time.Minute))
		return err
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		second, err = tx.UseSSOState(ctx, "h1", t0.Add(2*time.Minute))
		return err
	})
	if !first || second {
		t.Fatalf("used %v then %v; want true then false", first, second)
	}
	var purged int64
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		purged, err = tx.PurgeSSOStates(ctx, t0)
		return err
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.SSOStateByHash(ctx, "h1")
		checkErr(t, err, "", "")
		used := t0.Add(time.Minute)
		want := *st
		want.UsedAt = &used
		wantEqual(t, got, &want)
		_, err = tx.SSOStateByHash(ctx, "h0")
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		return nil
	})
	if purged != 1 {
		t.Fatalf("purged %d states, want 1", purged)
	}
}

func testSSOIdentities(t *testing.T, db *DB, w *world) {
	id := &esign.SSOIdentity{Issuer: "https://idp.example", Subject: "s-1", UserID: w.User.ID, OrgID: w.Org.ID,
		Email: w.User.Email, CreatedAt: t0, LastLoginAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateSSOIdentity(ctx, id) })
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.CreateSSOIdentity(ctx, id) })
	wantErr(t, err, esign.KindConflict, esign.CodeAlreadyExists)
	later := t0.Add(time.Hour)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.TouchSSOIdentity(ctx, id.Issuer, id.Subject, later)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.SSOIdentityBySubject(ctx, id.Issuer, id.Subject)
		checkErr(t, err, "", "")
		want := *id
		want.LastLoginAt = later
		wantEqual(t, got, &want)
		_, err = tx.SSOIdentityBySubject(ctx, id.Issuer, "s-2")
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		links, err := tx.SSOIdentitiesByUser(ctx, w.User.ID)
		checkErr(t, err, "", "")
		if len(links) != 1 || links[0].Subject != "s-1" {
			t.Fatalf("links %+v", links)
		}
		return nil
	})
}
