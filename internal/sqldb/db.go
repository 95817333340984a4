// Package sqldb is GSign's esign.Store over database/sql.
//
// The SQL is hand-written, standard and shared between engines; what differs
// between engines is confined to a small dialect (placeholders, row locks,
// constraint error codes) and to the embedded, numbered migrations of each
// engine. SQLite is implemented; PostgreSQL is meant to slot in beside it.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/gsign/gsign/internal/esign"
)

// Options configures Open.
type Options struct {
	// AutoMigrate applies pending migrations when opening. Without it, Open
	// refuses a database whose schema is older than this binary's, so that
	// upgrades are a deliberate `gsign migrate`.
	AutoMigrate bool
	// Clock gives each transaction its fixed Now; esign.SystemClock{} if nil.
	Clock esign.Clock
	// Readers is how many connections View may use at once; 4 if zero.
	Readers int
}

// DB is the Store. It holds two pools over one SQLite file: a single writer
// connection, so that write transactions queue in Go rather than fail with
// SQLITE_BUSY, and a few read-only connections that read in parallel under
// WAL while the writer works.
type DB struct {
	writer     *sql.DB
	reader     *sql.DB
	d          *dialect
	clock      esign.Clock
	migrations []migration
}

var _ esign.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at the file path dsn,
// applies pending migrations if opts.AutoMigrate, and checks that the schema
// is exactly the one this binary knows. It refuses, always, a schema newer
// than the binary's (ErrSchemaNewer), and a stale one without AutoMigrate
// (ErrSchemaStale).
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	return open(ctx, dsn, opts, migrationFiles)
}

// open is Open with the migrations taken from fsys, for tests.
func open(ctx context.Context, dsn string, opts Options, fsys fs.FS) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = esign.SystemClock{}
	}
	if opts.Readers <= 0 {
		opts.Readers = 4
	}
	migs, err := loadMigrations(fsys, sqliteDialect.name)
	if err != nil {
		return nil, err
	}
	writer, reader, err := openSQLite(dsn, opts.Readers)
	if err != nil {
		return nil, err
	}
	db := &DB{writer: writer, reader: reader, d: &sqliteDialect, clock: opts.Clock, migrations: migs}
	if err := db.init(ctx, opts.AutoMigrate); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) init(ctx context.Context, autoMigrate bool) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if err := db.bootstrap(ctx); err != nil {
		return err
	}
	if autoMigrate {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	return db.checkSchema(ctx)
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.writer.Close(), db.reader.Close())
}

// InTx runs fn in a write transaction (BEGIN IMMEDIATE on SQLite) and commits
// if fn returns nil. It rolls back if fn returns an error or panics; a panic
// goes on after the rollback. Write transactions run one at a time, so fn
// must not start another transaction of its own: it would wait forever.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	return db.transact(ctx, db.writer, nil, fn)
}

// View runs fn in a read-only transaction that sees one snapshot of the
// database. Attempts to write fail.
func (db *DB) View(ctx context.Context, fn func(ctx context.Context, tx esign.Tx) error) error {
	return db.transact(ctx, db.reader, &sql.TxOptions{ReadOnly: true}, fn)
}

// transact is the one place transactions begin and end. Now is read from the
// clock once the transaction has begun, that is once it holds the write lock,
// so write transactions see times in the order they commit.
func (db *DB) transact(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(context.Context, esign.Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	done := false
	defer func() {
		// Runs on error, on panic, and on runtime.Goexit (t.FailNow in tests).
		if !done {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(ctx, &tx{sqlTx: sqlTx, d: db.d, now: db.clock.Now()}); err != nil {
		return err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}
