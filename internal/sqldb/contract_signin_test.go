package sqldb

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testLoginLocks: failures count up atomically, even concurrently; a lock
// is stored and read back; deleting forgets them.
func testLoginLocks(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	ctx := context.Background()
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.LoginLockByKey(ctx, "email:a")
		wantErr(t, err, esign.KindNotFound, "")
		return nil
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
				_, err := tx.AddLoginFailure(ctx, "email:a", t0)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	until := t0.Add(time.Minute)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		n, err := tx.AddLoginFailure(ctx, "email:a", t0.Add(time.Second))
		if err == nil && n != 9 {
			t.Errorf("failures %d, want 9", n)
		}
		return tx.LockLogin(ctx, "email:a", until)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		l, err := tx.LoginLockByKey(ctx, "email:a")
		if err == nil {
			wantEqual(t, l, &esign.LoginLock{Key: "email:a", Failures: 9, LockedUntil: &until, UpdatedAt: t0.Add(time.Second)})
		}
		return err
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		wantErr(t, tx.LockLogin(ctx, "email:none", until), esign.KindNotFound, "")
		return tx.DeleteLoginLock(ctx, "email:a")
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.LoginLockByKey(ctx, "email:a")
		wantErr(t, err, esign.KindNotFound, "")
		return nil
	})
	testPurgeLocks(t, db)
}

// testPurgeLocks: purging keeps failure counts updated since the cutoff and
// locks that still run, and deletes the rest.
func testPurgeLocks(t *testing.T, db *DB) {
	cut := t0.Add(24 * time.Hour)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for key, at := range map[string]time.Time{"old": t0, "old-locked": t0, "recent": cut.Add(time.Second)} {
			if _, err := tx.AddLoginFailure(ctx, key, at); err != nil {
				return err
			}
		}
		return tx.LockLogin(ctx, "old-locked", cut.Add(time.Hour))
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		n, err := tx.PurgeSignIn(ctx, cut)
		if err == nil && n != 1 {
			t.Errorf("purged %d, want 1", n)
		}
		for key, kept := range map[string]bool{"old": false, "old-locked": true, "recent": true} {
			_, err := tx.LoginLockByKey(ctx, key)
			if (err == nil) != kept {
				t.Errorf("%s kept %v, want %v (%v)", key, err == nil, kept, err)
			}
		}
		return err
	})
}

// testPasswordResets: resets round-trip, spending marks every unused one
// of the user once, and the password hash is replaced only if unchanged.
func testPasswordResets(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	r1 := &esign.PasswordReset{Hash: "h1", UserID: w.User.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	r2 := &esign.PasswordReset{Hash: "h2", UserID: w.User.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreatePasswordReset(ctx, r1); err != nil {
			return err
		}
		return tx.CreatePasswordReset(ctx, r2)
	})
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.CreatePasswordReset(ctx, r1) })
	wantErr(t, err, esign.KindConflict, codeExists)
	at := t0.Add(time.Minute)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.PasswordResetByHash(ctx, "h1")
		if err == nil {
			wantEqual(t, got, r1)
		}
		n, err := tx.SpendPasswordResets(ctx, w.User.ID, at)
		if err == nil && n != 2 {
			t.Errorf("spent %d, want 2", n)
		}
		if n, _ = tx.SpendPasswordResets(ctx, w.User.ID, at); n != 0 {
			t.Errorf("spent %d again, want 0", n)
		}
		got, err = tx.PasswordResetByHash(ctx, "h2")
		if err == nil && (got.UsedAt == nil || !got.UsedAt.Equal(at)) {
			t.Errorf("used_at %v, want %v", got.UsedAt, at)
		}
		_, err = tx.PasswordResetByHash(ctx, "nope")
		wantErr(t, err, esign.KindNotFound, "")
		return nil
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if ok, err := tx.UpdatePasswordHash(ctx, w.User.ID, "stale", "new"); ok || err != nil {
			t.Errorf("a stale hash was replaced: %v %v", ok, err)
		}
		if ok, err := tx.UpdatePasswordHash(ctx, w.User.ID, w.User.PasswordHash, "new"); !ok || err != nil {
			t.Errorf("the hash was not replaced: %v %v", ok, err)
		}
		u, err := tx.UserByID(ctx, w.User.ID)
		if err == nil && u.PasswordHash != "new" {
			t.Errorf("hash %q", u.PasswordHash)
		}
		return err
	})
}

// testTOTP: a TOTP row is saved, replaced and deleted; a step is accepted
// only when greater than the last; recovery codes are replaced and spent once.
func testTOTP(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	pending := &esign.UserTOTP{UserID: w.User.ID, Secret: "sealed:v1:x", CreatedAt: t0}
	enabled := &esign.UserTOTP{UserID: w.User.ID, Secret: "sealed:v1:x", EnabledAt: ptr(t0.Add(time.Minute)), LastStep: 100, CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.SaveUserTOTP(ctx, pending); err != nil {
			return err
		}
		return tx.SaveUserTOTP(ctx, enabled)
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.UserTOTPByUser(ctx, w.User.ID)
		if err == nil {
			wantEqual(t, got, enabled)
		}
		for _, c := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}} {
			if ok, err := tx.UseTOTPStep(ctx, w.User.ID, c.step); ok != c.want || err != nil {
				t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", c.step, ok, err, c.want)
			}
		}
		if err := tx.ReplaceRecoveryCodes(ctx, w.User.ID, []string{"a", "b"}, t0); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, w.User.ID, []string{"c", "d", "e"}, t0); err != nil {
			return err
		}
		for _, c := range []struct {
			hash string
			want bool
		}{{"a", false}, {"c", true}, {"c", false}} {
			if ok, err := tx.UseRecoveryCode(ctx, w.User.ID, c.hash, t0); ok != c.want || err != nil {
				t.Errorf("UseRecoveryCode(%s) = %v, %v; want %v", c.hash, ok, err, c.want)
			}
		}
		if n, err := tx.CountRecoveryCodes(ctx, w.User.ID); n != 2 || err != nil {
			t.Errorf("CountRecoveryCodes = %d, %v; want 2", n, err)
		}
		return tx.DeleteUserTOTP(ctx, w.User.ID)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.UserTOTPByUser(ctx, w.User.ID)
		wantErr(t, err, esign.KindNotFound, "")
		return nil
	})
}

// testMFAChallenges: a challenge round-trips and is used once.
func testMFAChallenges(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	c := &esign.MFAChallenge{Hash: "m1", UserID: w.User.ID, ExpiresAt: t0.Add(5 * time.Minute), CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateMFAChallenge(ctx, c); err != nil {
			return err
		}
		got, err := tx.MFAChallengeByHash(ctx, "m1")
		if err == nil {
			wantEqual(t, got, c)
		}
		for i, want := range []bool{true, false} {
			if ok, err := tx.UseMFAChallenge(ctx, "m1", t0); ok != want || err != nil {
				t.Errorf("use %d = %v, %v; want %v", i+1, ok, err, want)
			}
		}
		_, err = tx.MFAChallengeByHash(ctx, "nope")
		wantErr(t, err, esign.KindNotFound, "")
		if n, err := tx.PurgeSignIn(ctx, c.ExpiresAt); n != 0 || err != nil {
			t.Errorf("purged %d (%v) at the expiry, want 0", n, err)
		}
		if n, err := tx.PurgeSignIn(ctx, c.ExpiresAt.Add(time.Microsecond)); n != 1 || err != nil {
			t.Errorf("purged %d (%v) after the expiry, want 1", n, err)
		}
		return nil
	})
}

// testSessions: sessions are listed newest first without the revoked or
// expired ones; revoking a family revokes its session; revoking a user's
// tokens spares one family and the API keys.
func testSessions(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	mk := func(id string, created time.Time) *esign.Session {
		return &esign.Session{ID: id, UserID: w.User.ID, OrgID: w.Org.ID, IP: "192.0.2.1", UserAgent: "ua",
			CreatedAt: created, LastUsedAt: created, ExpiresAt: created.Add(24 * time.Hour)}
	}
	a, b, c, old := mk("fam_a", t0), mk("fam_b", t0.Add(time.Second)), mk("fam_c", t0.Add(2*time.Second)), mk("fam_old", t0.Add(-48*time.Hour))
	key := &esign.APIKey{ID: "key_1", OrgID: w.Org.ID, UserID: w.User.ID, Name: "CI", Prefix: "gsk_", Hash: "kh", CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, s := range []*esign.Session{a, b, c, old} {
			if err := tx.CreateSession(ctx, s); err != nil {
				return err
			}
			tok := &esign.AuthToken{Hash: "t_" + s.ID, Kind: esign.TokenAccess, UserID: w.User.ID, OrgID: w.Org.ID, FamilyID: s.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
			if err := tx.CreateAuthToken(ctx, tok); err != nil {
				return err
			}
		}
		return tx.CreateAPIKey(ctx, key)
	})
	ids := func() []string {
		var out []string
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			list, err := tx.SessionsByUser(ctx, w.User.ID, t0.Add(time.Minute))
			for _, s := range list {
				out = append(out, s.ID)
			}
			return err
		})
		return out
	}
	wantEqual(t, ids(), []string{"fam_c", "fam_b", "fam_a"})
	touched := t0.Add(30 * time.Second)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.TouchSession(ctx, "fam_a", touched, touched.Add(48*time.Hour)); err != nil {
			return err
		}
		got, err := tx.SessionByID(ctx, "fam_a")
		if err == nil && (!got.LastUsedAt.Equal(touched) || !got.ExpiresAt.Equal(touched.Add(48*time.Hour))) {
			t.Errorf("touched session %+v", got)
		}
		return tx.RevokeTokenFamily(ctx, "fam_b", touched)
	})
	wantEqual(t, ids(), []string{"fam_c", "fam_a"})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		n, err := tx.RevokeUserTokens(ctx, w.User.ID, "fam_c", touched)
		if err == nil && n != 1 {
			t.Errorf("revoked %d sessions, want 1 (fam_a)", n)
		}
		return err
	})
	wantEqual(t, ids(), []string{"fam_c"})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		for hash, revoked := range map[string]bool{"t_fam_a": true, "t_fam_b": true, "t_fam_c": false} {
			tok, err := tx.AuthTokenByHash(ctx, hash)
			if err != nil {
				return err
			}
			if (tok.RevokedAt != nil) != revoked {
				t.Errorf("token %s revoked %v, want %v", hash, tok.RevokedAt != nil, revoked)
			}
		}
		k, err := tx.APIKeyByHash(ctx, "kh")
		if err == nil && k.RevokedAt != nil {
			t.Error("revoking a user's tokens revoked an API key")
		}
		return err
	})
}
