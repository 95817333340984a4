package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func testOrganizations(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	o := &esign.Organization{ID: "org_1", Name: "Acme", CreatedAt: t0.Add(123 * time.Microsecond)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateOrganization(ctx, o) })
	tests := []struct {
		name     string
		id       string
		want     *esign.Organization
		wantKind esign.Kind
	}{
		{"existing", "org_1", o, ""},
		{"missing", "org_nope", nil, esign.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.OrganizationByID(ctx, tt.id)
				if err == nil {
					wantEqual(t, got, tt.want)
				}
				return err
			})
			checkErr(t, err, tt.wantKind, "")
		})
	}
	t.Run("duplicate id", func(t *testing.T) {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.CreateOrganization(ctx, o) })
		wantErr(t, err, esign.KindConflict, codeExists)
	})
}

// checkErr expects err to be nil if kind is empty, and an *esign.Error of
// kind (and code, unless empty) otherwise.
func checkErr(t *testing.T, err error, kind esign.Kind, code string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	wantErr(t, err, kind, code)
}

func testUsers(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	alice := &esign.User{ID: "usr_alice", OrgID: w.Org.ID, Email: "Alice@Example.COM", Name: "Alice",
		Role: esign.RoleMember, PasswordHash: "h", CreatedAt: t0}
	emile := &esign.User{ID: "usr_emile", OrgID: w.Org.ID, Email: "ÉMILE@example.com", Role: esign.RoleAdmin, PasswordHash: "h", CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateUser(ctx, alice); err != nil {
			return err
		}
		return tx.CreateUser(ctx, emile)
	})

	lookups := []struct {
		name     string
		get      func(ctx context.Context, tx esign.Tx) (*esign.User, error)
		want     *esign.User
		wantKind esign.Kind
	}{
		{"by id", func(ctx context.Context, tx esign.Tx) (*esign.User, error) { return tx.UserByID(ctx, "usr_alice") }, alice, ""},
		{"by email as stored", func(ctx context.Context, tx esign.Tx) (*esign.User, error) {
			return tx.UserByEmail(ctx, "Alice@Example.COM")
		}, alice, ""},
		{"by email in another case", func(ctx context.Context, tx esign.Tx) (*esign.User, error) {
			return tx.UserByEmail(ctx, "alice@example.com")
		}, alice, ""},
		{"by non-ASCII email in another case", func(ctx context.Context, tx esign.Tx) (*esign.User, error) {
			return tx.UserByEmail(ctx, "émile@EXAMPLE.com")
		}, emile, ""},
		{"unknown id", func(ctx context.Context, tx esign.Tx) (*esign.User, error) { return tx.UserByID(ctx, "usr_nope") }, nil, esign.KindNotFound},
		{"unknown email", func(ctx context.Context, tx esign.Tx) (*esign.User, error) {
			return tx.UserByEmail(ctx, "bob@example.com")
		}, nil, esign.KindNotFound},
	}
	for _, tt := range lookups {
		t.Run(tt.name, func(t *testing.T) {
			err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				got, err := tt.get(ctx, tx)
				if err == nil {
					wantEqual(t, got, tt.want)
				}
				return err
			})
			checkErr(t, err, tt.wantKind, "")
		})
	}

	creates := []struct {
		name     string
		user     esign.User
		wantKind esign.Kind
		wantCode string
	}{
		{"email taken in the same case", esign.User{ID: "usr_2", Email: "Alice@Example.COM"}, esign.KindConflict, esign.CodeEmailTaken},
		{"email taken in another case", esign.User{ID: "usr_3", Email: "ALICE@example.com"}, esign.KindConflict, esign.CodeEmailTaken},
		{"non-ASCII email taken in another case", esign.User{ID: "usr_4", Email: "émile@example.com"}, esign.KindConflict, esign.CodeEmailTaken},
		{"id taken", esign.User{ID: "usr_alice", Email: "other@example.com"}, esign.KindConflict, codeExists},
		{"new email", esign.User{ID: "usr_5", Email: "bob@example.com"}, "", ""},
	}
	for _, tt := range creates {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			u.OrgID, u.Role, u.PasswordHash, u.CreatedAt = w.Org.ID, esign.RoleMember, "h", t0
			err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.CreateUser(ctx, &u) })
			checkErr(t, err, tt.wantKind, tt.wantCode)
		})
	}
}

func testAuthTokens(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	mk := func(hash, family string, revoked *time.Time) *esign.AuthToken {
		return &esign.AuthToken{Hash: hash, Kind: esign.TokenRefresh, UserID: w.User.ID, OrgID: w.Org.ID,
			FamilyID: family, ExpiresAt: t0.Add(24 * time.Hour), RevokedAt: revoked, CreatedAt: t0}
	}
	earlier := t0.Add(-time.Minute)
	toks := []*esign.AuthToken{mk("h1", "fam_a", nil), mk("h2", "fam_a", nil), mk("h3", "fam_a", &earlier), mk("h4", "fam_b", nil)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, k := range toks {
			if err := tx.CreateAuthToken(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	revokeAt := t0.Add(time.Hour)

	t.Run("read back", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.AuthTokenByHash(ctx, "h3")
			wantEqual(t, got, toks[2])
			_, err2 := tx.AuthTokenByHash(ctx, "nope")
			wantErr(t, err2, esign.KindNotFound, esign.CodeNotFound)
			return err
		})
	})
	revokes := []struct {
		name string
		hash string
		want bool
	}{
		{"unrevoked token", "h1", true},
		{"the same token again", "h1", false},
		{"token revoked before", "h3", false},
		{"unknown token", "nope", false},
	}
	for _, tt := range revokes {
		t.Run("revoke "+tt.name, func(t *testing.T) {
			inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.RevokeAuthToken(ctx, tt.hash, revokeAt)
				wantEqual(t, got, tt.want)
				return err
			})
		})
	}
	t.Run("revoke family keeps earlier revocations and other families", func(t *testing.T) {
		later := revokeAt.Add(time.Hour)
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.RevokeTokenFamily(ctx, "fam_a", later) })
		want := map[string]*time.Time{"h1": &revokeAt, "h2": &later, "h3": &earlier, "h4": nil}
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			for hash, at := range want {
				k, err := tx.AuthTokenByHash(ctx, hash)
				if err != nil {
					return err
				}
				wantEqual(t, k.RevokedAt, at)
			}
			return nil
		})
	})
	t.Run("concurrent revokes: exactly one wins", func(t *testing.T) {
		won := race(t, 64, func() (ok bool, err error) {
			err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
				ok, err = tx.RevokeAuthToken(ctx, "h4", revokeAt)
				return err
			})
			return ok, err
		})
		if won != 1 {
			t.Fatalf("%d revocations won, want 1", won)
		}
	})
}

func testAPIKeys(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	k := &esign.APIKey{ID: "key_1", OrgID: w.Org.ID, UserID: w.User.ID, Name: "CI", Prefix: "gsk_abcd", Hash: "kh1", CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateAPIKey(ctx, k) })
	used := t0.Add(time.Minute)
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		wantKind esign.Kind
		wantCode string
	}{
		{"read back by hash", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.APIKeyByHash(ctx, "kh1")
			wantEqual(t, got, k)
			return err
		}, "", ""},
		{"unknown hash", func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.APIKeyByHash(ctx, "nope")
			return err
		}, esign.KindNotFound, esign.CodeNotFound},
		{"touch records last use", func(ctx context.Context, tx esign.Tx) error {
			if err := tx.TouchAPIKey(ctx, "key_1", used); err != nil {
				return err
			}
			got, err := tx.APIKeyByHash(ctx, "kh1")
			wantEqual(t, got.LastUsedAt, &used)
			return err
		}, "", ""},
		{"touch unknown key", func(ctx context.Context, tx esign.Tx) error {
			return tx.TouchAPIKey(ctx, "key_nope", used)
		}, esign.KindNotFound, esign.CodeNotFound},
		{"duplicate hash", func(ctx context.Context, tx esign.Tx) error {
			dup := *k
			dup.ID = "key_2"
			return tx.CreateAPIKey(ctx, &dup)
		}, esign.KindConflict, codeExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, tt.wantCode)
		})
	}
}
