package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gsign/gsign/internal/esign"
)

// On PostgreSQL every statement is a round trip, and a round trip costs
// both processes a write, a read and a wake-up, more than many of the
// statements themselves. So a PostgreSQL transaction runs on pgx directly
// and sends what it can together, in one pipelined batch:
//
//   - BEGIN goes with the first statement, and a transaction that never
//     runs one sends nothing at all;
//   - writes whose outcome nothing reads at once (tx.write, the deferred
//     envelope rows and audit events) wait for the next statement that
//     needs an answer, or for COMMIT, and go with it;
//
// so a transaction costs one round trip per statement whose answer it
// needs, plus one for COMMIT. PostgreSQL runs the batch in order, so later
// statements see the writes before them, and a write that fails aborts the
// transaction as it would have alone: its error, mapped as the caller asked
// (check), is what the statement that sent it, or the commit, returns.

// pgStatements is one PostgreSQL transaction's connection.
type pgStatements struct {
	conn     *pgx.Conn
	begin    string    // the BEGIN not yet sent; "" once sent
	queued   []pgWrite // writes not yet sent
	failed   error     // a queued write that failed: the transaction is over
	counters *counters // the DB's, to count round trips
}

// pgWrite is a queued write, and what its outcome means (check).
type pgWrite struct {
	sql   string
	args  []any
	check func(rows int64, err error) error
}

// beginSQL is the BEGIN of a transaction with opts.
func beginSQL(opts *sql.TxOptions) string {
	q := "BEGIN ISOLATION LEVEL READ COMMITTED"
	if opts != nil && opts.Isolation == sql.LevelRepeatableRead {
		q = "BEGIN ISOLATION LEVEL REPEATABLE READ"
	}
	if opts != nil && opts.ReadOnly {
		q += " READ ONLY"
	}
	return q
}

// pgTransactOnce is transactOnce on PostgreSQL: fn runs on one connection
// of pool, taken over from database/sql for the transaction's length.
func (db *DB) pgTransactOnce(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(context.Context, esign.Tx) error) error {
	c, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		s := &pgStatements{conn: dc.(*stdlib.Conn).Conn(), begin: beginSQL(opts), counters: &db.counters}
		done := false
		defer func() {
			// Runs on error, on panic, and on runtime.Goexit (t.FailNow in tests).
			if !done {
				s.rollback(ctx)
			}
		}()
		readOnly := opts != nil && opts.ReadOnly
		t := db.newTx(&tx{stmts: s, d: db.d, now: db.clock.Now(), readOnly: readOnly})
		if err := runFinished(ctx, t, fn); err != nil {
			return err
		}
		done = true
		return s.commit(ctx)
	})
}

// send sends the BEGIN and the writes still owed, then qs, in one batch,
// reads the outcome of all but qs, and returns the batch for qs's.
func (s *pgStatements) send(ctx context.Context, qs ...pgQuery) (pgx.BatchResults, error) {
	if s.failed != nil {
		return nil, s.failed
	}
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(s.queued)+len(qs)+1)}
	begin, queued := s.begin, s.queued
	if begin != "" {
		b.Queue(begin)
	}
	for _, w := range queued {
		b.Queue(w.sql, w.args...)
	}
	for _, q := range qs {
		b.Queue(q.sql, q.args...)
	}
	s.begin, s.queued = "", nil
	s.counters.roundTrip()
	br := s.conn.SendBatch(ctx, b)
	if begin != "" {
		if _, err := br.Exec(); err != nil {
			return nil, s.fail(br, fmt.Errorf("begin transaction: %w", err))
		}
	}
	for _, w := range queued {
		tag, err := br.Exec()
		if err = w.check(tag.RowsAffected(), err); err != nil {
			return nil, s.fail(br, err)
		}
	}
	return br, nil
}

// pgQuery is a statement of a batch.
type pgQuery struct {
	sql  string
	args []any
}

// fail ends the batch br after a queued statement failed with err, and the
// transaction with it.
func (s *pgStatements) fail(br pgx.BatchResults, err error) error {
	_ = br.Close()
	s.failed = err
	return err
}

func (s *pgStatements) exec(ctx context.Context, q string, args []any) (result, error) {
	tag, err := s.execLast(ctx, pgQuery{q, args})
	if err != nil {
		return nil, err
	}
	return rowsAffected(tag.RowsAffected()), nil
}

// execLast sends q after what is owed (send) and returns its outcome.
func (s *pgStatements) execLast(ctx context.Context, q pgQuery) (pgconn.CommandTag, error) {
	br, err := s.send(ctx, q)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (s *pgStatements) query(ctx context.Context, q string, args []any) (rows, error) {
	br, err := s.send(ctx, pgQuery{q, args})
	if err != nil {
		return nil, err
	}
	r, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &pgRows{pgBatchRows: pgBatchRows{r}, batch: br}, nil
}

func (s *pgStatements) queryRow(ctx context.Context, q string, args []any) rowScanner {
	r, err := s.query(ctx, q, args)
	return &pgRow{rows: r, err: err}
}

func (s *pgStatements) readEach(ctx context.Context, reads []batchRead) error {
	qs := make([]pgQuery, len(reads))
	for i, r := range reads {
		qs[i] = pgQuery{r.q, r.args}
	}
	br, err := s.send(ctx, qs...)
	if err != nil {
		return err
	}
	for _, r := range reads {
		if err = readBatched(br, r); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// readBatched hands the rows of the batch's next query to r.read.
func readBatched(br pgx.BatchResults, r batchRead) error {
	rs, err := br.Query()
	if err != nil {
		return err
	}
	return readClosing(pgBatchRows{rs}, r.read)
}

// pgBatchRows are the rows of a query in the middle of a batch, which
// closing them does not end.
type pgBatchRows struct{ pgx.Rows }

func (r pgBatchRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

// write queues q, to be sent with the next statement.
func (s *pgStatements) write(_ context.Context, q string, args []any, check func(int64, error) error) error {
	if s.failed != nil {
		return s.failed
	}
	s.queued = append(s.queued, pgWrite{sql: q, args: args, check: check})
	return nil
}

// commit sends the writes still owed with COMMIT. A transaction that never
// sent anything has nothing to commit.
func (s *pgStatements) commit(ctx context.Context) error {
	if s.failed != nil {
		s.rollback(ctx)
		return s.failed
	}
	if s.begin != "" && len(s.queued) == 0 {
		return nil
	}
	tag, err := s.execLast(ctx, pgQuery{sql: "COMMIT"})
	switch {
	case s.failed != nil:
		err = s.failed // a write sent with COMMIT failed: its own error
	case err != nil:
		err = fmt.Errorf("commit transaction: %w", err)
	case tag.String() == "ROLLBACK":
		// A statement failed and its error went unreported: PostgreSQL
		// rolled back instead of committing.
		err = errors.New("commit transaction: the transaction had failed and was rolled back")
	case s.conn.PgConn().TxStatus() != 'I':
		err = errors.New("commit transaction: the connection is still in a transaction")
	}
	if err != nil {
		s.rollback(ctx)
	}
	return err
}

// rollback ends the transaction, if it began, without its changes. A
// connection that cannot be rolled back is closed, so that database/sql
// does not hand it out again.
func (s *pgStatements) rollback(ctx context.Context) {
	if s.begin != "" || s.conn.IsClosed() || s.conn.PgConn().TxStatus() == 'I' {
		return
	}
	ctx = context.WithoutCancel(ctx)
	s.counters.roundTrip()
	if _, err := s.conn.Exec(ctx, "ROLLBACK"); err != nil || s.conn.PgConn().TxStatus() != 'I' {
		_ = s.conn.Close(ctx)
	}
}

// rowsAffected is the result of a PostgreSQL statement.
type rowsAffected int64

func (n rowsAffected) RowsAffected() (int64, error) { return int64(n), nil }

// pgRows are the rows of the last statement of a batch; closing them ends
// the batch.
type pgRows struct {
	pgBatchRows
	batch pgx.BatchResults
}

func (r *pgRows) Close() error {
	err := r.pgBatchRows.Close()
	if cerr := r.batch.Close(); err == nil {
		err = cerr
	}
	return err
}

// pgRow is the first row of a query, as *sql.Row is: sql.ErrNoRows if
// there is none.
type pgRow struct {
	rows rows
	err  error
}

func (r *pgRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := sql.ErrNoRows
	if r.rows.Next() {
		err = r.rows.Scan(dest...)
	}
	if cerr := r.rows.Close(); cerr != nil {
		return cerr
	}
	return err
}
