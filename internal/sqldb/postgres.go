package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The SQLSTATE codes this package acts on
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// pgMigrationLock is the key of the transaction-scoped advisory lock that
// migrations take; any number would do as long as nothing else uses it.
const pgMigrationLock = "7047336937143791617"

// postgresDialect is PostgreSQL's dialect. Write transactions run at READ
// COMMITTED and serialize on the rows they lock (FOR UPDATE): each statement
// then sees the latest committed data, and a locked row is re-read once its
// lock is released, which is what a read-modify-write under a lock needs.
// Views run at REPEATABLE READ, READ ONLY, so that all their reads see one
// snapshot, as SQLite's read transactions do.
var postgresDialect = dialect{
	name:           "postgres",
	numbered:       true,
	pipelined:      true,
	forUpdate:      " FOR UPDATE",
	skipLocked:     " FOR UPDATE SKIP LOCKED",
	conflictOf:     postgresConflict,
	retryable:      postgresRetryable,
	writeTx:        &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	viewTx:         &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	lockMigrations: `SELECT pg_advisory_xact_lock(` + pgMigrationLock + `)`,
}

// isPostgresURL reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func isPostgresURL(dsn string) bool {
	scheme, _, ok := strings.Cut(dsn, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// connectPostgres opens the one pool that serves both InTx and View: unlike
// SQLite's, PostgreSQL's writers do not need to queue in Go.
func connectPostgres(url string, maxConns int) (*DB, error) {
	cfg, err := pgx.ParseConfig(loopbackPlain(url, os.Getenv)) // pgx masks the password in its errors
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxLifetime(time.Hour)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{writer: pool, reader: pool, d: &postgresDialect}, nil
}

// loopbackPlain returns dsn with sslmode=allow when it names one server on
// a loopback address (127.0.0.0/8, ::1 or localhost) and says nothing of
// TLS: no ssl* parameter in the URL, no PGSSL* variable in the environment
// (getenv). Connections then start without TLS, and still switch to it
// where the server requires it. pgx's default, like libpq's, is
// sslmode=prefer, which on a server with ssl on (Debian's default)
// encrypts loopback traffic, and without verifying the server's
// certificate: no protection against anyone, for about 8% of gsign's CPU
// in bench/envelopes.sh over TCP. Whatever the URL or the environment says
// of TLS is kept, and so is any other URL (several hosts, a Unix socket, a
// keyword/value string).
func loopbackPlain(dsn string, getenv func(string) string) string {
	for _, v := range []string{"PGSSLMODE", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT"} {
		if getenv(v) != "" {
			return dsn
		}
	}
	u, err := neturl.Parse(dsn)
	if err != nil || !isPostgresURL(dsn) {
		return dsn
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "ssl") || k == "host" {
			return dsn
		}
	}
	if !isLoopbackHost(u.Hostname()) {
		return dsn
	}
	q.Set("sslmode", "allow")
	u.RawQuery = q.Encode()
	return u.String()
}

// isLoopbackHost reports whether host is localhost or a loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// postgresConflict tells a duplicate primary key from a duplicate in another
// UNIQUE constraint by the constraint's name: the migrations leave primary
// keys with PostgreSQL's default name, <table>_pkey.
func postgresConflict(err error) conflict {
	var e *pgconn.PgError
	if !errors.As(err, &e) || e.Code != pgUniqueViolation {
		return noConflict
	}
	if strings.HasSuffix(e.ConstraintName, "_pkey") {
		return conflictPrimaryKey
	}
	return conflictUnique
}

// postgresRetryable reports a serialization failure or a deadlock: PostgreSQL
// rolled the transaction back so that another could go on, and running it
// again may well succeed.
func postgresRetryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == pgSerializationFailure || e.Code == pgDeadlockDetected)
}
