package sqldb

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything the shared SQL of this package needs to know about
// an engine. It stays this narrow on purpose: the queries themselves are
// standard SQL that SQLite and PostgreSQL both accept.
type dialect struct {
	// name is the engine, and the folder of its migrations.
	name string
	// numbered says the engine wants $1, $2… instead of ? placeholders.
	numbered bool
	// pipelined says transactions run on pgx's pipelined batches
	// (pgStatements) rather than database/sql's transactions.
	pipelined bool
	// forUpdate is appended to a SELECT that must lock its rows until the
	// transaction ends. SQLite has no row locks, and needs none: its single
	// writer connection already serializes every write transaction.
	forUpdate string
	// skipLocked is appended to the SELECT that picks a job to claim, so that
	// concurrent workers pick different jobs instead of queuing on one.
	skipLocked string
	// conflictOf classifies a driver error by its code.
	conflictOf func(error) conflict
	// retryable reports whether err, however wrapped, says the transaction
	// lost a race with another one (a serialization failure or a deadlock)
	// and may succeed if run again from the start.
	retryable func(error) bool
	// writeTx and viewTx are what InTx's and View's transactions begin
	// with; migrations begin with writeTx too.
	writeTx, viewTx *sql.TxOptions
	// lockMigrations, run first in every migration transaction, makes two
	// processes that migrate at once take turns. SQLite needs none: its
	// write transactions begin with BEGIN IMMEDIATE, which already does.
	lockMigrations string
}

// conflict is the kind of uniqueness constraint an INSERT or UPDATE violated.
type conflict int

const (
	noConflict         conflict = iota
	conflictPrimaryKey          // another row has the same primary key
	conflictUnique              // another row has the same value in a UNIQUE column
)

// sqliteDialect is SQLite's dialect. Its write transactions never lose a
// race: the single writer connection runs them one at a time.
var sqliteDialect = dialect{
	name:       "sqlite",
	conflictOf: sqliteConflict,
	retryable:  func(error) bool { return false },
	viewTx:     &sql.TxOptions{ReadOnly: true},
}

// sqliteConflict reads the extended result code modernc's driver reports.
func sqliteConflict(err error) conflict {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return noConflict
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return conflictPrimaryKey
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return conflictUnique
	}
	return noConflict
}

// rebind rewrites the ? placeholders of q for the engine. The shared SQL
// never has a ? inside a literal or an identifier.
func (d *dialect) rebind(q string) string {
	if !d.numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for _, r := range q {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// insertIgnore turns an INSERT into one that does nothing when a row with the
// same conflictCols exists. SQLite (3.24+) and PostgreSQL (9.5+) spell it the
// same way.
func (d *dialect) insertIgnore(insert, conflictCols string) string {
	return insert + " ON CONFLICT (" + conflictCols + ") DO NOTHING"
}
