package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// TestPostgresReferencesShareCollation checks that every foreign key column
// has the collation of the column it refers to. A join compares the two
// under one collation, and an index built under another cannot serve it:
// the join then reads the whole table (migration 0016).
func TestPostgresReferencesShareCollation(t *testing.T) {
	db := openPostgresTest(t)
	const q = `SELECT c.conrelid::regclass::text, a.attname, fa.attname, a.attcollation = fa.attcollation
		FROM pg_constraint c
		JOIN LATERAL unnest(c.conkey, c.confkey) AS k(attnum, fattnum) ON true
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fattnum
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`
	rows, err := db.reader.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, col, refCol string
		var same bool
		if err := rows.Scan(&table, &col, &refCol, &same); err != nil {
			t.Fatal(err)
		}
		n++
		if !same {
			t.Errorf("%s.%s has another collation than the %s it refers to", table, col, refCol)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("found %d foreign key columns; the query no longer sees the schema", n)
	}
}

// TestPostgresJoinsUseIndexes checks that the joins every request runs
// (authentication, the signing context, a team's members) can be served by
// indexes: with sequential scans priced out, none of their plans reads a
// table through.
func TestPostgresJoinsUseIndexes(t *testing.T) {
	db, c := planningConn(t)
	ctx := context.Background()
	if _, err := c.ExecContext(ctx, `SET enable_seqscan = off; SET jit = off`); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{
		"auth token credential": authTokenCredentialSQL,
		"API key credential":    apiKeyCredentialSQL,
		"token envelope":        lockTokenEnvelopeSQL,
		"token context":         tokenContextSQL,
		"token recipients":      tokenRecipientsSQL,
		"token documents":       tokenDocumentsSQL,
		"token fields":          tokenFieldsSQL,
		"team members":          `SELECT m.team_id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.org_id = ?`,
		// envelopes_owner_created since migration 0017
		"an owner's envelopes": `SELECT id FROM envelopes WHERE owner_id = ?`,
	} {
		if text := explain(t, c, db.d.rebind(q), "x"); strings.Contains(text, "Seq Scan") {
			t.Errorf("%s reads a table through:\n%s", name, text)
		}
	}
}

// TestPostgresSupersedeByID checks that superseding jobs finds them by id
// even where the statistics say that no job is pending, as they do after a
// quiet spell: the planner then prefers a status index, and would read
// every pending entry of the jobs table, dead ones included, for three ids.
func TestPostgresSupersedeByID(t *testing.T) {
	db, c := planningConn(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until, last_error, created_at, updated_at)
		 SELECT 'mail:done:' || g, 'mail', '{}', 'done', g, 1, 5, '', NULL, '', g, g FROM generate_series(1, 5000) g`,
		`ANALYZE jobs`,
		`SET jit = off`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	text := explain(t, c, db.d.rebind(supersedeJobsSQL(3, db.d.skipLocked)), "done", "superseded", 1, "mail:a", "mail:b", "mail:c", "pending")
	if !strings.Contains(text, "jobs_pkey") || strings.Contains(text, "Index Cond: (status") {
		t.Errorf("superseding three jobs does not find them by id:\n%s", text)
	}
}

// planningConn opens a fresh PostgreSQL database and one connection of it,
// whose session settings the plans to explain can depend on; both close
// when t ends.
func planningConn(t *testing.T) (*DB, *sql.Conn) {
	t.Helper()
	sqldbtest.RequirePostgres(t)
	db := openPostgresTest(t)
	c, err := db.reader.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return db, c
}

// explain returns PostgreSQL's plan of q with args, a line a step.
func explain(t *testing.T, c *sql.Conn, q string, args ...any) string {
	t.Helper()
	rows, err := c.QueryContext(context.Background(), `EXPLAIN `+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
