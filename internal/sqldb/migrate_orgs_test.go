package sqldb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// TestSQLiteOrgsMigrationKeepsRoles: 0009 moves users.role to a column
// with a wider CHECK (SQLite cannot alter one); existing users keep their
// roles and their rows, and viewers can then be stored.
func TestSQLiteOrgsMigrationKeepsRoles(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "gsign.db")
	before := migrationsBefore(t, "sqlite", "0009")
	old := mustOpen(t, dsn, before, true)
	for _, q := range []string{
		`INSERT INTO organizations (id, name, created_at) VALUES ('org_m', 'Acme', 1)`,
		`INSERT INTO users (id, org_id, email, email_norm, name, role, password_hash, created_at) VALUES ('usr_o', 'org_m', 'o@x', 'o@x', 'O', 'owner', 'h', 1)`,
		`INSERT INTO users (id, org_id, email, email_norm, name, role, password_hash, created_at) VALUES ('usr_a', 'org_m', 'a@x', 'a@x', 'A', 'admin', 'h', 2)`,
	} {
		if _, err := old.writer.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	closeDB(t, old)

	db := mustOpen(t, dsn, migrationFiles, true)
	defer closeDB(t, db)
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		users, err := tx.UsersByOrg(ctx, "org_m")
		if err == nil && (len(users) != 2 || users[0].Role != esign.RoleOwner || users[1].Role != esign.RoleAdmin || users[1].Email != "a@x") {
			t.Fatalf("users after the migration: %+v %+v", users[0], users[1])
		}
		return err
	})
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateUser(ctx, &esign.User{ID: "usr_v", OrgID: "org_m", Email: "v@x", Role: esign.RoleOrgViewer, PasswordHash: "h", CreatedAt: t0})
	})
}
