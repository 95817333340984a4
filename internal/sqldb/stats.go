package sqldb

import "sync/atomic"

// Stats counts what a DB asked of its database since it opened. Every
// statement costs a round trip on PostgreSQL and a share of the single
// writer on SQLite, so tests pin the count of each use case with it: a
// change that adds a statement to a hot path fails one.
type Stats struct {
	// Transactions is how many transactions InTx and View ran their
	// function in, each attempt counted.
	Transactions int64
	// Statements is how many statements ran in them, the deferred envelope
	// writes included; BEGIN, COMMIT and group commit's savepoints are not
	// counted, as they are the transactions'.
	Statements int64
	// RoundTrips is how many batches of statements PostgreSQL transactions
	// sent and waited for (pgStatements), BEGIN, COMMIT and ROLLBACK
	// included; 0 on SQLite, where nothing makes a round trip.
	RoundTrips int64
}

// counters are a DB's Stats, and the function told of each statement.
type counters struct {
	transactions atomic.Int64
	statements   atomic.Int64
	roundTrips   atomic.Int64
	trace        func(query string)
}

// statement counts one statement q.
func (c *counters) statement(q string) {
	if c == nil {
		return
	}
	c.statements.Add(1)
	if c.trace != nil {
		c.trace(q)
	}
}

// roundTrip counts one round trip.
func (c *counters) roundTrip() {
	if c != nil {
		c.roundTrips.Add(1)
	}
}

// Stats returns the counts so far.
func (db *DB) Stats() Stats {
	return Stats{Transactions: db.counters.transactions.Load(), Statements: db.counters.statements.Load(),
		RoundTrips: db.counters.roundTrips.Load()}
}

// newTx is the tx of one run of a transaction's function, counted.
func (db *DB) newTx(t *tx) *tx {
	db.counters.transactions.Add(1)
	t.counters = &db.counters
	return t
}
