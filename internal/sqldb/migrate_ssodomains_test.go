package sqldb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// TestSQLiteSSODomainClaimsMigration: 0013 rebuilds sso_domains with the
// key (domain, org_id) (SQLite cannot change a key in place).
func TestSQLiteSSODomainClaimsMigration(t *testing.T) {
	testSSODomainClaimsMigration(t, "sqlite", filepath.Join(t.TempDir(), "gsign.db"))
}

// TestPostgresSSODomainClaimsMigration: 0013 changes the key of
// sso_domains to (domain, org_id) in place.
func TestPostgresSSODomainClaimsMigration(t *testing.T) {
	testSSODomainClaimsMigration(t, "postgres", sqldbtest.PostgresTestURL(t))
}

// testSSODomainClaimsMigration: the claims made before 0013 keep their
// tokens and verification; afterwards another organization can claim a
// verified domain but not verify it, and can claim and verify a pending one.
func testSSODomainClaimsMigration(t *testing.T, engine, dsn string) {
	before := migrationsBefore(t, engine, "0013")
	old := mustOpen(t, dsn, before, true)
	w, other := newWorld(t, old), newWorld(t, old)
	inTx(t, old, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(claimSSODomain(ctx, tx, w, "acme.example", "tok1"), claimSSODomain(ctx, tx, w, "b.example", "tok2"),
			tx.MarkSSODomainVerified(ctx, w.Org.ID, "acme.example", t0))
	})
	closeDB(t, old)

	db := mustOpen(t, dsn, migrationFiles, true)
	defer closeDB(t, db)
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		ds, err := tx.SSODomainsByOrg(ctx, w.Org.ID)
		if err != nil || len(ds) != 2 || ds[0].Domain != "acme.example" || ds[0].Token != "tok1" || ds[0].VerifiedAt == nil ||
			ds[1].Token != "tok2" || ds[1].VerifiedAt != nil {
			t.Fatalf("claims after the migration: %+v, %v", ds, err)
		}
		return nil
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(claimSSODomain(ctx, tx, other, "acme.example", "tok3"), claimSSODomain(ctx, tx, other, "b.example", "tok4"),
			tx.MarkSSODomainVerified(ctx, other.Org.ID, "b.example", t0))
	})
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.MarkSSODomainVerified(ctx, other.Org.ID, "acme.example", t0)
	})
	wantErr(t, err, esign.KindConflict, esign.CodeSSODomainTaken)
}
