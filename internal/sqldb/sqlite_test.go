package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// openSQLiteTest opens a fresh, migrated database in a temporary folder.
func openSQLiteTest(t *testing.T) *DB { return openSQLiteTB(t) }

// openSQLiteTB is openSQLiteTest for a test or a benchmark.
func openSQLiteTB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "gsign.db"), Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestSQLiteStore(t *testing.T) {
	runStoreContract(t, openSQLiteTest)
}

func TestOpenSchemaVersions(t *testing.T) {
	runOpenSchemaVersions(t, "sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gsign.db") })
}

func TestMigrateFailureKeepsLastGoodVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gsign.db")
	latest := len(mustLoad(t, migrationFiles, "sqlite"))
	bad := renameNext(t, testMigrations(t, "sqlite", map[string]string{
		"0099_bad.sql": "CREATE TABLE half_done (id TEXT); INSERT INTO no_such_table VALUES (1);",
	}), latest+1)
	_, err := open(context.Background(), path, Options{AutoMigrate: true}, bad)
	if err == nil || !strings.Contains(err.Error(), "_bad.sql") {
		t.Fatalf("err = %v, want the failing migration named", err)
	}
	if got := versionOf(t, path); got != latest {
		t.Fatalf("schema version = %d, want %d", got, latest)
	}
	db := mustOpen(t, path, migrationFiles, false)
	defer closeDB(t, db)
	var n int
	if err := db.reader.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("half-applied migration left its table behind (n=%d, err=%v)", n, err)
	}
}

// TestConnectionSettings checks the pragmas of both pools, and that the
// read pool cannot write.
func TestConnectionSettings(t *testing.T) {
	db := openSQLiteTest(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"temp_store", "2"}, // MEMORY
	}
	for name, pool := range map[string]*sql.DB{"writer": db.writer, "reader": db.reader} {
		for _, tt := range tests {
			t.Run(name+" "+tt.pragma, func(t *testing.T) {
				var got string
				if err := pool.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("%s = %s, want %s", tt.pragma, got, tt.want)
				}
			})
		}
	}
	var cache int
	if err := db.writer.QueryRow("PRAGMA cache_size").Scan(&cache); err != nil || cache != -writerCacheKiB {
		t.Fatalf("writer cache_size = %d (err %v), want %d", cache, err, -writerCacheKiB)
	}
	if _, err := db.reader.Exec(`INSERT INTO organizations (id, name, created_at) VALUES ('o', 'o', 0)`); err == nil {
		t.Fatal("the read pool wrote")
	}
}

// TestViewDuringWrite checks that readers are not blocked by a writer and
// see only what it committed.
func TestViewDuringWrite(t *testing.T) {
	db := openSQLiteTest(t)
	ctx := context.Background()
	done := make(chan error, 1)
	err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateOrganization(ctx, &esign.Organization{ID: "org_pending", Name: "p", CreatedAt: t0}); err != nil {
			return err
		}
		go func() {
			done <- db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
				_, err := tx.OrganizationByID(ctx, "org_pending")
				if esign.IsKind(err, esign.KindNotFound) {
					return nil
				}
				return errors.Join(errors.New("read an uncommitted row"), err)
			})
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			return errors.New("View blocked behind InTx")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsNonPaths(t *testing.T) {
	for _, dsn := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if db, err := Open(context.Background(), dsn, Options{AutoMigrate: true}); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c%d.db")
	closeDB(t, mustOpen(t, path, migrationFiles, true))
	if got := versionOf(t, path); got < 1 {
		t.Fatalf("schema version = %d at %s", got, path)
	}
}
