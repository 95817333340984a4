package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// tx is the esign.Tx of one transaction. Its methods are spread over one
// file per group of tables.
type tx struct {
	stmts    statements
	d        *dialect
	now      time.Time
	readOnly bool      // a View's
	counters *counters // the DB's, to count statements

	// envelopeWrites are the envelope rows UpdateEnvelope was asked to
	// write and has not yet, in the order first asked (deferredWrites).
	envelopeWrites deferredWrites
	// auditWrites are the audit events AppendAudit was asked to insert and
	// has not yet (deferredAudit).
	auditWrites deferredAudit
	// endpoints is what the transaction's reads told of organizations'
	// webhook endpoints, by organization (endpoint_hints.go).
	endpoints map[string]orgEndpoints
}

var _ esign.Tx = (*tx)(nil)

// codeExists is the code of a conflict that esign has no more specific code
// for: a row with the same identity exists. IDs are random, so in practice it
// means a retried or replayed create.
const codeExists = esign.CodeAlreadyExists

// Now returns the time the transaction began.
func (t *tx) Now() time.Time { return t.now }

// lockRows is the clause that makes a SELECT lock the rows it reads until
// the transaction ends: where another transaction could read the same row,
// decide, and write it back in between. In a read-only transaction it is
// empty: there is nothing to protect, and PostgreSQL refuses to lock there.
func (t *tx) lockRows() string {
	if t.readOnly {
		return ""
	}
	return t.d.forUpdate
}

// statements is how a transaction reaches its engine: database/sql's
// *sql.Tx on SQLite (sqlStatements), pgx's pipelined batches on PostgreSQL
// (pgStatements). Queries come rebound for the engine.
type statements interface {
	exec(ctx context.Context, q string, args []any) (result, error)
	query(ctx context.Context, q string, args []any) (rows, error)
	queryRow(ctx context.Context, q string, args []any) rowScanner
	// write runs q, whose outcome check maps to the error to fail with (or
	// nil): at once on SQLite, and with the next statement sent on
	// PostgreSQL, where the error is that statement's, or the commit's.
	write(ctx context.Context, q string, args []any, check func(rows int64, err error) error) error
	// readEach runs the queries of reads, which must not depend on one
	// another, one after the other on SQLite and sent together on
	// PostgreSQL, and hands each one's rows to its read.
	readEach(ctx context.Context, reads []batchRead) error
}

// result is the outcome of a statement that returns no rows.
type result interface {
	RowsAffected() (int64, error)
}

// rows are the rows of a query, as *sql.Rows are.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// sqlStatements are the statements of a database/sql transaction.
type sqlStatements struct{ tx *sql.Tx }

func (s sqlStatements) exec(ctx context.Context, q string, args []any) (result, error) {
	return s.tx.ExecContext(ctx, q, args...)
}

func (s sqlStatements) query(ctx context.Context, q string, args []any) (rows, error) {
	return s.tx.QueryContext(ctx, q, args...)
}

func (s sqlStatements) queryRow(ctx context.Context, q string, args []any) rowScanner {
	return s.tx.QueryRowContext(ctx, q, args...)
}

func (s sqlStatements) write(ctx context.Context, q string, args []any, check func(int64, error) error) error {
	res, err := s.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return check(0, err)
	}
	n, err := res.RowsAffected()
	return check(n, err)
}

func (s sqlStatements) readEach(ctx context.Context, reads []batchRead) error {
	for _, r := range reads {
		rs, err := s.tx.QueryContext(ctx, r.q, r.args...)
		if err != nil {
			return err
		}
		if err := readClosing(rs, r.read); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (result, error) {
	if err := t.before(ctx, q); err != nil {
		return nil, err
	}
	t.counters.statement(q)
	return t.stmts.exec(ctx, t.d.rebind(q), args)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (rows, error) {
	if err := t.before(ctx, q); err != nil {
		return nil, err
	}
	t.counters.statement(q)
	return t.stmts.query(ctx, t.d.rebind(q), args)
}

// queryRow runs q; should the deferred envelope writes or audit events that
// must precede it fail, the transaction fails when it ends (their failed).
func (t *tx) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	_ = t.before(ctx, q)
	t.counters.statement(q)
	return t.stmts.queryRow(ctx, t.d.rebind(q), args)
}

// write runs q, a write whose outcome nothing needs at once, with check
// telling what it means (statements.write).
func (t *tx) write(ctx context.Context, q string, check func(rows int64, err error) error, args ...any) error {
	if err := t.before(ctx, q); err != nil {
		return err
	}
	t.counters.statement(q)
	return t.stmts.write(ctx, t.d.rebind(q), args, check)
}

// before runs the deferred writes that must precede statement q.
func (t *tx) before(ctx context.Context, q string) error {
	if err := t.envelopeWrites.before(ctx, t, q); err != nil {
		return err
	}
	return t.auditWrites.before(ctx, t, q)
}

// finish runs what the transaction still owes before it commits: the
// envelope writes and audit events it deferred.
func (t *tx) finish(ctx context.Context) error {
	if err := t.envelopeWrites.flush(ctx, t); err != nil {
		return err
	}
	return t.auditWrites.flush(ctx, t)
}

// insert runs an INSERT of one what, reporting a duplicate key as a conflict.
func (t *tx) insert(ctx context.Context, what, q string, args ...any) error {
	if _, err := t.exec(ctx, q, args...); err != nil {
		return insertError(t.d, what, err)
	}
	return nil
}

// insertLater is insert for a row whose failure need not be known at once:
// on PostgreSQL it goes with the next statement (write), and a duplicate
// fails that statement, or the commit, with the same conflict.
func (t *tx) insertLater(ctx context.Context, what, q string, args ...any) error {
	return t.write(ctx, q, inserted(t.d, what), args...)
}

// updateOneLater is updateOne for a row the transaction has read or
// locked, so that its NotFound would only report a bug: on PostgreSQL it
// goes with the next statement (write).
func (t *tx) updateOneLater(ctx context.Context, what, id, q string, args ...any) error {
	return t.write(ctx, q, oneRow(what, id), args...)
}

// changed runs a conditional statement and reports how many rows it changed.
func (t *tx) changed(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// updateOne runs an UPDATE of the what identified by id; NotFound if no row
// has that id.
func (t *tx) updateOne(ctx context.Context, what, id, q string, args ...any) error {
	n, err := t.changed(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update %s %s: %w", what, id, err)
	}
	if n == 0 {
		return esign.NotFound(what)
	}
	return nil
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// getOne reads one row; NotFound(what) if there is none.
func getOne[T any](ctx context.Context, t *tx, what string, scan func(rowScanner) (*T, error), q string, args ...any) (*T, error) {
	v, err := scan(t.queryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, esign.NotFound(what)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return v, nil
}

// getAll reads every row, as a non-nil slice.
func getAll[T any](ctx context.Context, t *tx, what string, scan func(rowScanner) (*T, error), q string, args ...any) ([]*T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	return readAll(rows, what, scan)
}

// readAll reads every row of rows, as a non-nil slice.
func readAll[T any](rows rows, what string, scan func(rowScanner) (*T, error)) ([]*T, error) {
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// insertSQL writes the INSERT of cols, a comma-separated column list, into
// table, with one placeholder per column.
func insertSQL(table, cols string) string {
	n := strings.Count(cols, ",") + 1
	return "INSERT INTO " + table + " (" + cols + ") VALUES (" + strings.Repeat("?, ", n-1) + "?)"
}

// insertSeqSQL is insertSQL for a table of an envelope's contents, whose
// rows also get created_seq: the next number among the envelope's rows, so
// they list in insertion order. The envelope id is the last argument.
// Reading the maximum and inserting is safe because every change to an
// envelope's contents holds the envelope's lock (LockEnvelope); were two
// transactions to add to one envelope without it on PostgreSQL, they could
// both take the same number, and their rows would fall back to id order.
func insertSeqSQL(table, cols string) string {
	n := strings.Count(cols, ",") + 1
	return "INSERT INTO " + table + " (" + cols + ", created_seq) VALUES (" + strings.Repeat("?, ", n) +
		"(SELECT COALESCE(MAX(created_seq), 0) + 1 FROM " + table + " WHERE envelope_id = ?))"
}
