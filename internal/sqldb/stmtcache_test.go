package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// openCachingPool opens a pool of statement-caching connections on a new
// database file with one table, t, of the numbers 1 to 3.
func openCachingPool(t *testing.T) *sql.DB {
	t.Helper()
	pool, err := openSQLitePool(sqliteDSN(filepath.Join(t.TempDir(), "cache.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pool.Close(); err != nil {
			t.Error(err)
		}
	})
	if _, err := pool.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	return pool
}

// openCachingConn is one connection of openCachingPool's.
func openCachingConn(t *testing.T) *sql.Conn {
	t.Helper()
	conn, err := openCachingPool(t).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// cachedCount is how many statements the connection conn has cached.
func cachedCount(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	n := -1
	if err := conn.Raw(func(dc any) error { n = len(dc.(*cachingConn).stmts); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func sumOf(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestStatementCacheReusesStatements(t *testing.T) {
	ctx := context.Background()
	conn := openCachingConn(t)
	before := cachedCount(t, conn)
	for i := range 3 {
		if got := sumOf(t, conn, `SELECT SUM(n) FROM t WHERE n > ?`, i); got != 6-(i*(i+1))/2 {
			t.Fatalf("sum above %d = %d", i, got)
		}
		if _, err := conn.ExecContext(ctx, `UPDATE t SET n = n WHERE n = ?`, i); err != nil {
			t.Fatal(err)
		}
	}
	if got := cachedCount(t, conn) - before; got != 2 {
		t.Errorf("%d statements cached for 2 SQL texts run 3 times each", got)
	}
}

func TestStatementCacheIsBounded(t *testing.T) {
	conn := openCachingConn(t)
	for i := range stmtCacheSize + 20 {
		if got := sumOf(t, conn, fmt.Sprintf(`SELECT %d + SUM(n) FROM t`, i)); got != i+6 {
			t.Fatalf("query %d: got %d", i, got)
		}
	}
	if got := cachedCount(t, conn); got != stmtCacheSize {
		t.Errorf("%d statements cached, want the bound, %d", got, stmtCacheSize)
	}
	// The most recent statements stayed; the first was evicted and runs again.
	if got := sumOf(t, conn, `SELECT 0 + SUM(n) FROM t`); got != 6 {
		t.Errorf("evicted statement, run again: got %d", got)
	}
}

// TestStatementCacheNestedQuery runs a query inside the loop over the rows
// of the same query, on the same connection (a transaction's), so the
// cached statement is busy and the inner run must not disturb the outer.
func TestStatementCacheNestedQuery(t *testing.T) {
	ctx := context.Background()
	tx, err := openCachingPool(t).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT n FROM t WHERE n >= ? ORDER BY n`
	rows, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var outer []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, n)
		if got := sumOf(t, tx, `SELECT COUNT(*) FROM (`+q+`)`, n); got != 4-n {
			t.Errorf("inner count from %d = %d", n, got)
		}
		var first int
		if err := tx.QueryRowContext(ctx, q, n).Scan(&first); err != nil || first != n {
			t.Errorf("inner run of the same query from %d: %d, %v", n, first, err)
		}
	}
	if err := rows.Err(); err != nil || fmt.Sprint(outer) != "[1 2 3]" {
		t.Errorf("outer rows = %v, %v; want [1 2 3]", outer, err)
	}
}

// TestStatementCacheAfterErrors runs cached statements that fail (a
// constraint, a rolled-back transaction, a cancelled context) and then
// again, successfully.
func TestStatementCacheAfterErrors(t *testing.T) {
	ctx := context.Background()
	pool := openCachingPool(t)
	pool.SetMaxOpenConns(1)
	const insert = `INSERT INTO t (n) VALUES (?)`
	if _, err := pool.Exec(insert, 1); err == nil {
		t.Fatal("duplicate key inserted")
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(insert, 4); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := pool.ExecContext(cancelled, insert, 5); err == nil {
		t.Fatal("insert with a cancelled context succeeded")
	}
	if _, err := pool.Exec(insert, 6); err != nil {
		t.Fatal(err)
	}
	if got := sumOf(t, pool, `SELECT SUM(n) FROM t`); got != 12 {
		t.Errorf("sum = %d, want 1+2+3+6", got)
	}
}

// TestStatementCacheConcurrent has many goroutines share a small pool whose
// connections are closed and reopened all the time, for -race.
func TestStatementCacheConcurrent(t *testing.T) {
	pool := openCachingPool(t)
	pool.SetMaxOpenConns(3)
	pool.SetMaxIdleConns(1)
	pool.SetConnMaxLifetime(5 * time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if got := sumOf(t, pool, `SELECT ? + SUM(n) FROM t`, g*i); got != g*i+6 {
					t.Errorf("goroutine %d, run %d: got %d", g, i, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestPostgresCachesStatements checks that pgx's own statement cache is in
// effect, which is why PostgreSQL needs no cache of this package's: a query
// that ran is left prepared on its connection, under pgx's name for it.
func TestPostgresCachesStatements(t *testing.T) {
	url := sqldbtest.PostgresTestURL(t)
	db, err := Open(context.Background(), url, Options{AutoMigrate: true, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inTx(t, db, func(ctx context.Context, etx esign.Tx) error {
		if _, err := etx.JobByID(ctx, "job_none"); !esign.IsKind(err, esign.KindNotFound) {
			return fmt.Errorf("JobByID: %v", err)
		}
		var n int
		err := etx.(*tx).queryRow(ctx, `SELECT COUNT(*) FROM pg_prepared_statements
			WHERE name LIKE 'stmtcache_%' AND statement LIKE '%FROM jobs WHERE id = $1'`).Scan(&n)
		if err == nil && n != 1 {
			t.Errorf("%d cached statements of JobByID's query, want 1", n)
		}
		return err
	})
}
