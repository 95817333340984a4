// Package sqldb is GSign's esign.Store over database/sql, on SQLite or
// PostgreSQL.
//
// The SQL is hand-written, standard and shared between engines; what differs
// between engines is confined to a small dialect (placeholders, row locks,
// transaction options, error codes) and to the embedded, numbered migrations
// of each engine. One contract test suite runs against both.
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
	// Readers is how many connections View may use at once on SQLite; 4 if
	// zero.
	Readers int
	// MaxConns is how many connections the one PostgreSQL pool, which serves
	// InTx and View alike, may open at once; 10 if zero.
	MaxConns int
	// Trace, if set, is called with the text of each statement before it
	// runs (see Stats): for tests that pin what a use case runs, and for
	// finding what it need not.
	Trace func(query string)
}

// withDefaults fills in the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = esign.SystemClock{}
	}
	if o.Readers <= 0 {
		o.Readers = 4
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 10
	}
	return o
}

// DB is the Store.
//
// On SQLite it holds two pools over one file: a single writer connection, so
// that write transactions queue in Go rather than fail with SQLITE_BUSY, and
// a few read-only connections that read in parallel under WAL while the
// writer works. On PostgreSQL writer and reader are the same pool, and
// concurrent writers are kept apart by row locks (see postgresDialect).
type DB struct {
	writer     *sql.DB
	reader     *sql.DB
	d          *dialect
	clock      esign.Clock
	migrations []migration
	group      *groupCommit // SQLite's write transactions; nil on PostgreSQL
	counters   counters
}

var _ esign.Store = (*DB)(nil)

// Open opens the database dsn names: PostgreSQL for a postgres:// or
// postgresql:// URL, and otherwise the SQLite file at the path dsn, created
// if needed. It applies pending migrations if opts.AutoMigrate, and checks
// that the schema is exactly the one this binary knows. It refuses, always, a
// schema newer than the binary's (ErrSchemaNewer), and a stale one without
// AutoMigrate (ErrSchemaStale).
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	return open(ctx, dsn, opts, migrationFiles)
}

// open is Open with the migrations taken from fsys, for tests.
func open(ctx context.Context, dsn string, opts Options, fsys fs.FS) (*DB, error) {
	opts = opts.withDefaults()
	db, err := connect(dsn, opts)
	if err != nil {
		return nil, err
	}
	db.clock = opts.Clock
	db.counters.trace = opts.Trace
	if db.reader != db.writer {
		db.group = &groupCommit{db: db}
	}
	if db.migrations, err = loadMigrations(fsys, db.d.name); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.init(ctx, opts.AutoMigrate); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// connect opens the pools of the database dsn names, without touching it.
func connect(dsn string, opts Options) (*DB, error) {
	if isPostgresURL(dsn) {
		return connectPostgres(dsn, opts.MaxConns)
	}
	return connectSQLite(dsn, opts.Readers)
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

// Close closes the pools.
func (db *DB) Close() error {
	if db.reader == db.writer {
		return db.writer.Close()
	}
	return errors.Join(db.writer.Close(), db.reader.Close())
}
