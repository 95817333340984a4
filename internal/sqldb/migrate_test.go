package sqldb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

// runOpenSchemaVersions checks what Open does with a database at each
// version relative to the binary's, on the engine whose fresh, empty
// databases fresh returns the DSNs of.
func runOpenSchemaVersions(t *testing.T, engine string, fresh func(t *testing.T) string) {
	ctx := context.Background()
	shipped := testMigrations(t, engine, nil)
	latest := len(mustLoad(t, shipped, engine))
	next := testMigrations(t, engine, map[string]string{"0099_next.sql": "CREATE TABLE next_feature (id TEXT PRIMARY KEY);"})
	next = renameNext(t, next, latest+1)
	tests := []struct {
		name    string
		before  fs.FS // migrations applied with AutoMigrate first; nil for none
		migs    fs.FS
		auto    bool
		wantErr error
		wantVer int
	}{
		{"fresh database, auto-migrate", nil, shipped, true, nil, latest},
		{"fresh database, no auto-migrate: stale", nil, shipped, false, ErrSchemaStale, 0},
		{"up to date, no auto-migrate", shipped, shipped, false, nil, latest},
		{"one migration behind, no auto-migrate: stale", shipped, next, false, ErrSchemaStale, latest},
		{"one migration behind, auto-migrate", shipped, next, true, nil, latest + 1},
		{"newer than the binary: refused", next, shipped, false, ErrSchemaNewer, latest + 1},
		{"newer than the binary: refused even with auto-migrate", next, shipped, true, ErrSchemaNewer, latest + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := fresh(t)
			if tt.before != nil {
				closeDB(t, mustOpen(t, dsn, tt.before, true))
			}
			db, err := open(ctx, dsn, Options{AutoMigrate: tt.auto}, tt.migs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("open: err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, ErrSchemaStale) && !strings.Contains(err.Error(), "gsign migrate") {
				t.Errorf("stale schema error %q does not say to run gsign migrate", err)
			}
			if err == nil {
				closeDB(t, db)
			}
			if got := versionOf(t, dsn); got != tt.wantVer {
				t.Fatalf("schema version = %d, want %d", got, tt.wantVer)
			}
		})
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

// TestEnginesHaveTheSameMigrations checks that every migration of one
// engine has its counterpart, of the same name, in the other's.
func TestEnginesHaveTheSameMigrations(t *testing.T) {
	names := func(engine string) []string {
		var out []string
		for _, m := range mustLoad(t, migrationFiles, engine) {
			out = append(out, m.name)
		}
		return out
	}
	wantEqual(t, names("postgres"), names("sqlite"))
}

// testMigrations returns the engine's shipped migrations plus extra files.
func testMigrations(t *testing.T, engine string, extra map[string]string) fs.FS {
	t.Helper()
	dir := path.Join("migrations", engine)
	m := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, dir, func(p string, d fs.DirEntry, err error) error {
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
		m[path.Join(dir, name)] = &fstest.MapFile{Data: []byte(sql)}
	}
	return m
}

// migrationsBefore returns the engine's shipped migrations numbered below
// version ("0014"): the schema an older binary left, for migration tests.
func migrationsBefore(t *testing.T, engine, version string) fs.FS {
	t.Helper()
	m := testMigrations(t, engine, nil).(fstest.MapFS)
	for name := range m {
		if path.Base(name) >= version+"_" {
			delete(m, name)
		}
	}
	return m
}

func mustLoad(t *testing.T, fsys fs.FS, engine string) []migration {
	t.Helper()
	migs, err := loadMigrations(fsys, engine)
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
		if base := path.Base(name); strings.HasPrefix(base, "0099_") {
			delete(m, name)
			m[path.Dir(name)+"/"+strings.Replace(base, "0099", fmt.Sprintf("%04d", v), 1)] = f
		}
	}
	return m
}

func mustOpen(t *testing.T, dsn string, migs fs.FS, auto bool) *DB {
	t.Helper()
	db, err := open(context.Background(), dsn, Options{AutoMigrate: auto}, migs)
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

// versionOf reads the schema version of the database directly.
func versionOf(t *testing.T, dsn string) int {
	t.Helper()
	db, err := connect(dsn, Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := schemaVersion(context.Background(), db.reader)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
