package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles holds each engine's migrations in migrations/<engine>/,
// named NNNN_what.sql and numbered from 1 without gaps. A migration, once
// released, is never edited: changes go in a new file.
//
//go:embed migrations
var migrationFiles embed.FS

// ErrSchemaStale is returned by Open when the database needs migrations this
// binary has and AutoMigrate is off.
var ErrSchemaStale = errors.New("database schema is out of date")

// ErrSchemaNewer is returned when the database was migrated by a newer
// binary; running an older binary against it could corrupt it.
var ErrSchemaNewer = errors.New("database schema is newer than this binary")

// createSchemaMigrations is the migrator's own bookkeeping, the one piece of
// DDL outside the migration files: it must exist before they can be counted.
// It is the same on every engine; applied_at is in microseconds, hence BIGINT
// (which SQLite reads as INTEGER).
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at BIGINT  NOT NULL
)`

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads migrations/<engine>/ from fsys, in version order.
func loadMigrations(fsys fs.FS, engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		m, err := readMigration(fsys, dir, e.Name())
		if err != nil {
			return nil, err
		}
		migs = append(migs, m)
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d; versions must run from 1 without gaps or repeats", m.name, i+1)
		}
	}
	return migs, nil
}

func readMigration(fsys fs.FS, dir, name string) (migration, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v < 1 || !strings.HasSuffix(name, ".sql") {
		return migration{}, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
	}
	b, err := fs.ReadFile(fsys, path.Join(dir, name))
	if err != nil {
		return migration{}, fmt.Errorf("read migration %s: %w", name, err)
	}
	return migration{version: v, name: name, sql: string(b)}, nil
}

// bootstrap creates schema_migrations if it does not exist, under the
// migration lock: on PostgreSQL two CREATE TABLE IF NOT EXISTS at once can
// both try to create it.
func (db *DB) bootstrap(ctx context.Context) error {
	err := db.migrationTx(ctx, func(sqlTx *sql.Tx) error {
		_, err := sqlTx.ExecContext(ctx, createSchemaMigrations)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

// SchemaStatus reports the database's schema version and the newest this
// binary knows.
func (db *DB) SchemaStatus(ctx context.Context) (current, latest int, err error) {
	current, err = schemaVersion(ctx, db.reader)
	return current, len(db.migrations), err
}

// schemaVersion reads the version on q, which is the database or one of its
// transactions.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// checkSchema refuses a schema other than the binary's latest.
func (db *DB) checkSchema(ctx context.Context) error {
	current, latest, err := db.SchemaStatus(ctx)
	switch {
	case err != nil:
		return err
	case current > latest:
		return fmt.Errorf("%w: the database is at version %d but this gsign knows only up to %d; run a newer gsign", ErrSchemaNewer, current, latest)
	case current < latest:
		return fmt.Errorf("%w: the database is at version %d and this gsign needs %d; run `gsign migrate` (or enable auto-migration)", ErrSchemaStale, current, latest)
	}
	return nil
}

// Migrate applies the pending migrations in order, each in its own
// transaction together with its schema_migrations row, so a failure leaves
// the database at the last version that applied. Running it again, or from
// two processes at once, applies nothing twice. It refuses a database whose
// schema is newer than this binary's.
func (db *DB) Migrate(ctx context.Context) error {
	current, latest, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	if current > latest {
		return db.checkSchema(ctx)
	}
	for _, m := range db.migrations[current:] {
		if err := db.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration unless, having waited for the migration lock, it
// finds that another process applied it meanwhile.
func (db *DB) apply(ctx context.Context, m migration) error {
	err := db.migrationTx(ctx, func(sqlTx *sql.Tx) error {
		v, err := schemaVersion(ctx, sqlTx)
		if err != nil || v >= m.version {
			return err
		}
		if _, err := sqlTx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		const q = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`
		if _, err := sqlTx.ExecContext(ctx, db.d.rebind(q), m.version, micros(db.clock.Now())); err != nil {
			return fmt.Errorf("record version: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	return nil
}

// migrationTx runs fn in a write transaction that holds the migration lock,
// and commits if fn returns nil. The transaction is READ COMMITTED on
// PostgreSQL, so what fn reads is what was committed before the lock was
// granted, not before it was asked for.
func (db *DB) migrationTx(ctx context.Context, fn func(*sql.Tx) error) error {
	sqlTx, err := db.writer.BeginTx(ctx, db.d.writeTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() // a no-op after Commit
	if db.d.lockMigrations != "" {
		if _, err := sqlTx.ExecContext(ctx, db.d.lockMigrations); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
	}
	if err := fn(sqlTx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
