package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// openSQLiteTest opens a fresh, migrated database in a temporary folder.
func openSQLiteTest(t *testing.T) *DB {
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

// testMigrations returns the real migrations plus extra files.
func testMigrations(t *testing.T, extra map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations/sqlite", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrationFiles, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, sql := range extra {
		m["migrations/sqlite/"+name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return m
}

func TestOpenSchemaVersions(t *testing.T) {
	ctx := context.Background()
	latest := len(mustLoad(t, migrationFiles))
	next := testMigrations(t, map[string]string{"0099_next.sql": "CREATE TABLE next_feature (id TEXT PRIMARY KEY);"})
	next = renameNext(t, next, latest+1)
	tests := []struct {
		name    string
		before  fs.FS // migrations applied with AutoMigrate first; nil for none
		migs    fs.FS
		auto    bool
		wantErr error
		wantVer int
	}{
		{"fresh database, auto-migrate", nil, migrationFiles, true, nil, latest},
		{"fresh database, no auto-migrate: stale", nil, migrationFiles, false, ErrSchemaStale, 0},
		{"up to date, no auto-migrate", migrationFiles, migrationFiles, false, nil, latest},
		{"one migration behind, no auto-migrate: stale", migrationFiles, next, false, ErrSchemaStale, latest},
		{"one migration behind, auto-migrate", migrationFiles, next, true, nil, latest + 1},
		{"newer than the binary: refused", next, migrationFiles, false, ErrSchemaNewer, latest + 1},
		{"newer than the binary: refused even with auto-migrate", next, migrationFiles, true, ErrSchemaNewer, latest + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gsign.db")
			if tt.before != nil {
				closeDB(t, mustOpen(t, path, tt.before, true))
			}
			db, err := open(ctx, path, Options{AutoMigrate: tt.auto}, tt.migs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("open: err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, ErrSchemaStale) && !strings.Contains(err.Error(), "gsign migrate") {
				t.Errorf("stale schema error %q does not say to run gsign migrate", err)
			}
			if err == nil {
				closeDB(t, db)
			}
			if got := versionOf(t, path); got != tt.wantVer {
				t.Fatalf("schema version = %d, want %d", got, tt.wantVer)
			}
		})
	}
}

func TestMigrateFailureKeepsLastGoodVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gsign.db")
	latest := len(mustLoad(t, migrationFiles))
	bad := renameNext(t, testMigrations(t, map[string]string{
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

func TestLoadMigrations(t *testing.T) {
	files := func(names ...string) fs.FS {
		m := fstest.MapFS{}
		for _, n := range names {
			m["migrations/sqlite/"+n] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		return m
	}
	tests := []struct {
		name    string
		fsys    fs.FS
		want    []int
		wantErr string
	}{
		{"in order", files("0002_b.sql", "0001_a.sql"), []int{1, 2}, ""},
		{"gap", files("0001_a.sql", "0003_c.sql"), nil, "expected version 2"},
		{"repeat", files("0001_a.sql", "0001_b.sql"), nil, "expected version 2"},
		{"not starting at 1", files("0002_b.sql"), nil, "expected version 1"},
		{"bad name", files("0001_a.sql", "two.sql"), nil, "NNNN_what.sql"},
		{"not SQL", files("0001_a.txt"), nil, "NNNN_what.sql"},
		{"no folder", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			migs, err := loadMigrations(tt.fsys, "sqlite")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			var got []int
			for _, m := range migs {
				got = append(got, m.version)
			}
			wantEqual(t, got, tt.want)
		})
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

func TestRebind(t *testing.T) {
	tests := []struct {
		name string
		d    dialect
		in   string
		want string
	}{
		{"question marks stay", dialect{}, "a = ? AND b = ?", "a = ? AND b = ?"},
		{"numbered", dialect{numbered: true}, "a = ? AND (b, c) < (?, ?)", "a = $1 AND (b, c) < ($2, $3)"},
		{"numbered, none", dialect{numbered: true}, "SELECT 1", "SELECT 1"},
		{"numbered, past nine", dialect{numbered: true}, strings.Repeat("?,", 10) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.rebind(tt.in); got != tt.want {
				t.Fatalf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
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

func mustLoad(t *testing.T, fsys fs.FS) []migration {
	t.Helper()
	migs, err := loadMigrations(fsys, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

// renameNext renames the 0099_ file of fsys to version v.
func renameNext(t *testing.T, fsys fs.FS, v int) fs.FS {
	t.Helper()
	m := fsys.(fstest.MapFS)
	for name, f := range m {
		if base := filepath.Base(name); strings.HasPrefix(base, "0099_") {
			delete(m, name)
			m[filepath.Dir(name)+"/"+strings.Replace(base, "0099", fmt.Sprintf("%04d", v), 1)] = f
		}
	}
	return m
}

func mustOpen(t *testing.T, path string, migs fs.FS, auto bool) *DB {
	t.Helper()
	db, err := open(context.Background(), path, Options{AutoMigrate: auto}, migs)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func closeDB(t *testing.T, db *DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// versionOf reads the schema version of the database file directly.
func versionOf(t *testing.T, path string) int {
	t.Helper()
	w, r, err := openSQLite(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	v, err := schemaVersion(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
