// Package teststack picks the engines that tests of the whole wiring run
// on. By default those are the embedded ones (SQLite, a local folder, the
// database queue, no Redis). With GSIGN_TEST_STACK=scaled they are the
// production engines the GSIGN_TEST_* variables point at: PostgreSQL, S3
// (MinIO), RabbitMQ and Redis, each test with a namespace of its own that is
// removed when it ends.
package teststack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/rabbitmq"
	"github.com/gsign/gsign/internal/sqldb/sqldbtest"
)

// The environment variables a scaled stack is made of.
const (
	StackEnv  = "GSIGN_TEST_STACK" // "scaled" runs the wiring tests on the services below
	S3Env     = "GSIGN_TEST_S3_URL"
	AMQPEnv   = "GSIGN_TEST_AMQP_URL"
	RedisEnv  = "GSIGN_TEST_REDIS_URL"
	scaledVal = "scaled"
)

// Stack is the URLs of a gsign process's engines; empty ones mean the
// embedded default.
type Stack struct {
	DatabaseURL, BlobURL, QueueURL, RedisURL string
}

// Scaled reports whether GSIGN_TEST_STACK asks for the production engines.
func Scaled() bool { return os.Getenv(StackEnv) == scaledVal }

// Name is "scaled" or "embedded", for test logs.
func (s Stack) Name() string {
	if s.DatabaseURL != "" {
		return scaledVal
	}
	return "embedded"
}

// ForTest returns the stack a wiring test should run on: the embedded one,
// or with GSIGN_TEST_STACK=scaled a fresh scaled one, failing t if a
// service's variable is missing (asked for, it must not silently shrink).
func ForTest(t testing.TB) Stack {
	t.Helper()
	if !Scaled() {
		return Stack{}
	}
	for _, v := range []string{sqldbtest.PostgresURLEnv, S3Env, AMQPEnv, RedisEnv} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s=%s needs %s", StackEnv, scaledVal, v)
		}
	}
	return Require(t)
}

// Require returns a fresh scaled stack, or skips t, saying which, unless
// every service's variable is set.
func Require(t testing.TB) Stack {
	t.Helper()
	for _, v := range []string{S3Env, AMQPEnv, RedisEnv} {
		if os.Getenv(v) == "" {
			t.Skip(v + " not set: test of the scaled stack (PostgreSQL, S3, RabbitMQ, Redis) skipped")
		}
	}
	ns := namespace(t)
	return Stack{
		DatabaseURL: sqldbtest.PostgresTestURL(t),
		BlobURL:     s3URL(t, ns),
		QueueURL:    queueURL(t, ns),
		RedisURL:    withQuery(t, os.Getenv(RedisEnv), "prefix", ns+":"),
	}
}

// MasterKey is the master key of every test process on a scaled stack,
// which shares one (gsign refuses PostgreSQL without GSIGN_MASTER_KEY). It
// is random bytes, so it passes the weak-key checks; it protects nothing.
const MasterKey = "YkXnHDCUa+VeIyRxvlLwO9exsmr5aZwtiWaukTIXe28="

// Env returns the stack as the GSIGN_* settings of a gsign process.
func (s Stack) Env() []string {
	var env []string
	key := ""
	if s.DatabaseURL != "" {
		key = MasterKey
	}
	for k, v := range map[string]string{"GSIGN_DATABASE_URL": s.DatabaseURL, "GSIGN_BLOB_URL": s.BlobURL,
		"GSIGN_QUEUE_URL": s.QueueURL, "GSIGN_REDIS_URL": s.RedisURL, "GSIGN_MASTER_KEY": key} {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// namespace is a name no other test uses: t- and 12 random hex digits.
func namespace(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t-" + hex.EncodeToString(b)
}

// s3URL is the test bucket with the folder ns, emptied when t ends.
func s3URL(t testing.TB, ns string) string {
	u, err := url.Parse(os.Getenv(S3Env))
	if err != nil {
		t.Fatalf("%s: %v", S3Env, err)
	}
	u.Path = path.Join("/", u.Path, ns)
	raw := u.String()
	t.Cleanup(func() { emptyBlobs(t, raw) })
	return raw
}

func emptyBlobs(t testing.TB, raw string) {
	ctx := context.Background()
	s, err := blob.OpenURL(ctx, raw)
	if err != nil {
		t.Errorf("empty test blobs: %v", err)
		return
	}
	defer s.Close()
	var keys []string
	_ = s.List(ctx, "", func(b esign.BlobInfo) error { keys = append(keys, b.Key); return nil })
	for _, k := range keys {
		_ = s.Delete(ctx, k)
	}
}

// queueURL is the test broker with exchanges and queues named after ns,
// deleted when t ends.
func queueURL(t testing.TB, ns string) string {
	raw := withQuery(t, os.Getenv(AMQPEnv), "prefix", ns)
	t.Cleanup(func() {
		if cfg, err := rabbitmq.ParseURL(raw); err == nil {
			_ = rabbitmq.DeleteTopology(cfg)
		}
	})
	return raw
}

// withQuery sets a query parameter of a URL.
func withQuery(t testing.TB, raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("test service URL: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// DatabaseDSN is what sqldb.Open should open for t: a fresh PostgreSQL
// schema on the scaled stack, else a new SQLite file.
func DatabaseDSN(t testing.TB) string {
	t.Helper()
	if Scaled() {
		return sqldbtest.PostgresTestURL(t)
	}
	return filepath.Join(t.TempDir(), "gsign.db")
}
