package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// sqlitePragmas are set on every connection. WAL lets readers run beside
// the writer; synchronous=FULL makes every commit durable, which an
// e-signature record needs more than speed; busy_timeout covers other
// processes (such as `gsign fsck`) holding the lock. temp_store=MEMORY keeps
// statement and savepoint journals in memory: every write transaction runs
// in a savepoint of a group commit (groupCommit), and with the default
// SQLite wrote each page it changed to a temporary file first, a system call
// per page while holding the one writer. They never need to outlive the
// transaction, so a file buys nothing.
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(FULL)",
	"foreign_keys(1)",
	"temp_store(MEMORY)",
}

// writerCacheKiB is the page cache of the one writer connection (SQLite's
// default is 2 MiB). Its cache survives from one transaction to the next,
// since no other connection writes, so a larger one saves the reads of the
// index and table pages that every transaction walks (envelopes, jobs, audit
// chain heads). The readers keep the default: SQLite drops a reader's cache
// whenever another connection has committed, which under load is always.
const writerCacheKiB = 32 << 10

// connectSQLite opens the Store's two pools on the database file path.
func connectSQLite(path string, readers int) (*DB, error) {
	writer, reader, err := openSQLite(path, readers)
	if err != nil {
		return nil, err
	}
	return &DB{writer: writer, reader: reader, d: &sqliteDialect}, nil
}

// openSQLite opens the writer and reader pools on the database file path.
func openSQLite(path string, readers int) (writer, reader *sql.DB, err error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, nil, fmt.Errorf("open database: %q is not a database file path", path)
	}
	writer, err = openSQLitePool(sqliteDSN(path, "_txlock=immediate", fmt.Sprintf("_pragma=cache_size(-%d)", writerCacheKiB)))
	if err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err = openSQLitePool(sqliteDSN(path, "_pragma=query_only(1)"))
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), writer.Close())
	}
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	return writer, reader, nil
}

// openSQLitePool opens a pool of connections to dsn that each keep their
// prepared statements (see cachingConnector).
func openSQLitePool(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{c}), nil
}

// sqliteDSN builds a file: URI for modernc's driver. The characters that
// mean something in a URI are escaped in the path; SQLite decodes them.
func sqliteDSN(path string, extra ...string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	params := make([]string, 0, len(sqlitePragmas)+len(extra))
	for _, p := range sqlitePragmas {
		params = append(params, "_pragma="+p)
	}
	params = append(params, extra...)
	return "file:" + esc + "?" + strings.Join(params, "&")
}
