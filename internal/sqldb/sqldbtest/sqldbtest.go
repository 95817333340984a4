// Package sqldbtest gives tests of any package a PostgreSQL database of
// their own, when one is configured.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresURLEnv names the environment variable that holds the URL of a
// PostgreSQL database tests may create schemas in, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresURLEnv = "GSIGN_TEST_POSTGRES_URL"

// PostgresTestURL returns the URL of a fresh, empty PostgreSQL schema for t
// alone: a schema of a random name in the database PostgresURLEnv names,
// dropped with everything in it when t ends, and made the connection's
// search_path through the URL. It skips t when PostgresURLEnv is unset.
// Close whatever uses the URL in a cleanup registered after this call (or
// before t ends), so that it is closed before the schema is dropped.
func PostgresTestURL(t testing.TB) string {
	t.Helper()
	base := RequirePostgres(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresURLEnv)
	}
	schema := newSchemaName(t)
	admin(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// RequirePostgres skips t unless PostgresURLEnv is set, and returns its
// value. Tests whose subtests each call PostgresTestURL call it first, so
// that they skip once rather than once per subtest.
func RequirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		t.Skip(PostgresURLEnv + " not set: PostgreSQL contract tests skipped")
	}
	return base
}

// newSchemaName returns t_ and 16 random hex digits: a valid identifier
// that needs no quoting and that no other test will use.
func newSchemaName(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t_" + hex.EncodeToString(b)
}

// admin runs stmt on the database url names, on a connection of its own.
func admin(t testing.TB, url, stmt string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
