package sqldb

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// stmtCacheSize is how many prepared statements one SQLite connection keeps.
// The package has fewer distinct SQL texts than this, so in practice every
// statement is parsed once per connection; the bound only matters if some
// caller builds SQL of unbounded variety.
const stmtCacheSize = 256

// sqliteConn is what the statement cache needs of modernc's connection, and
// forwards to it.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConnector opens SQLite connections that keep their prepared
// statements. modernc's driver parses every statement that database/sql
// hands it as text again on every call, and parsing was a third of the
// database's CPU time per envelope. database/sql's own prepared statements
// do not fit: preparing one takes a connection from the pool, and the
// writer's one connection is busy with the transaction that wants it.
type cachingConnector struct {
	driver.Connector
}

// Connect opens a connection with an empty statement cache.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(sqliteConn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks a method the statement cache needs", dc)
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is a SQLite connection that runs each SQL text through a
// statement it prepared the first time it saw the text. database/sql never
// uses a connection from two goroutines at once (it holds the connection's
// lock around every call into the driver, Rows.Close included), so the cache
// needs no lock of its own.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	tick  uint64 // counts uses, to find the least recently used statement
}

// cachedStmt is a prepared statement of a connection's cache.
type cachedStmt struct {
	stmt     driver.Stmt
	lastUsed uint64
	// busy is set while Rows of the statement are open: SQLite steps the
	// one statement for those rows, so running it again meanwhile (a query
	// nested in the loop over its own results) must use a fresh statement.
	busy bool
}

var (
	_ driver.ExecerContext  = (*cachingConn)(nil)
	_ driver.QueryerContext = (*cachingConn)(nil)
)

// ExecContext runs query through its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query through its cached statement, which stays busy
// until the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, stmt: cs}, nil
}

// stmt returns the idle cached statement of query, preparing it if the
// cache has none; nil if the statement is busy. An error to prepare is left
// for the uncached call to report, with the driver's own wording.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	c.tick++
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		cs.lastUsed = c.tick
		return cs, nil
	}
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(c.stmts) >= stmtCacheSize && !c.evict() {
		return nil, s.Close()
	}
	cs := &cachedStmt{stmt: s, lastUsed: c.tick}
	c.stmts[query] = cs
	return cs, nil
}

// evict closes the least recently used idle statement, and reports whether
// there was one.
func (c *cachingConn) evict() bool {
	var oldest string
	var found *cachedStmt
	for q, cs := range c.stmts {
		if !cs.busy && (found == nil || cs.lastUsed < found.lastUsed) {
			oldest, found = q, cs
		}
	}
	if found == nil {
		return false
	}
	delete(c.stmts, oldest)
	found.stmt.Close() // an error finalizing is the one the statement's last run reported
	return true
}

// Close finalizes the cached statements, then closes the connection. By
// then database/sql has closed every Rows of the connection. Finalizing
// repeats the error of a statement's last run, which its caller has had;
// the connection's own error is the one to report.
func (c *cachingConn) Close() error {
	for q, cs := range c.stmts {
		delete(c.stmts, q)
		cs.stmt.Close()
	}
	return c.sqliteConn.Close()
}

// cachedRows are the rows of a cached statement, which they free on Close.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

// Close resets the statement for its next use.
func (r *cachedRows) Close() error {
	r.stmt.busy = false
	return r.Rows.Close()
}
