package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign/esigntest"
)

// testURL is the Redis the tests use, or skips the test.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("GSIGN_TEST_REDIS_URL")
	if u == "" {
		t.Skip("GSIGN_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0); skipping the tests against a real Redis")
	}
	return u
}

// testPrefix is a key prefix no other test run uses.
func testPrefix(t *testing.T) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "gsigntest:" + hex.EncodeToString(b[:]) + ":"
}

// openTest opens a client on the test Redis under prefix, and deletes the
// prefix's keys when the test ends.
func openTest(t *testing.T, prefix string) *Client {
	t.Helper()
	c, err := Open(context.Background(), testURL(t), Options{Prefix: prefix, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			if err := c.rdb.Del(ctx, iter.Val()).Err(); err != nil {
				t.Errorf("clean up %s: %v", iter.Val(), err)
			}
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up %s*: %v", prefix, err)
		}
		c.Close()
	})
	return c
}

// closedPort is a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name, url string
		addr      string
		db        int
		password  string
		tls       bool
	}{
		{"plain", "redis://127.0.0.1:6379/0", "127.0.0.1:6379", 0, "", false},
		{"password and db", "redis://:s3cret@cache.internal:6380/2", "cache.internal:6380", 2, "s3cret", false},
		{"default port", "redis://cache.internal", "cache.internal:6379", 0, "", false},
		{"tls", "rediss://cache.internal:6380/1", "cache.internal:6380", 1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := options(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if o.Addr != tt.addr || o.DB != tt.db || o.Password != tt.password || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("addr %s db %d password %q tls %v", o.Addr, o.DB, o.Password, o.TLSConfig != nil)
			}
			if !o.ContextTimeoutEnabled || o.MaxRetries != 1 || o.DialTimeout != time.Second {
				t.Errorf("not tuned to fail fast: %+v", o)
			}
		})
	}
}

func TestOpenBadURL(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:6379", "redis://:s3cret@[::1", "redis://:s3cret@127.0.0.1:6379/notadb", ""} {
		_, err := Open(context.Background(), u, Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %v", u, err)
		}
	}
}

// TestUnreachable: a Redis that does not answer is no reason not to start,
// and calls fail fast (the API then lets requests through and uses the
// database), soon without even trying.
func TestUnreachable(t *testing.T) {
	logs := &esigntest.LogBuffer{}
	c, err := Open(context.Background(), "redis://"+closedPort(t)+"/0", Options{Prefix: testPrefix(t), Log: newLogger(logs)})
	if err != nil {
		t.Fatalf("Open must not fail when Redis is down: %v", err)
	}
	defer c.Close()
	if !strings.Contains(logs.String(), "redis does not answer") {
		t.Errorf("the outage at Open was not logged:\n%s", logs)
	}
	c.downUntil.Store(0) // forget Open's failure: the first call below tries Redis
	l, cache := NewLimiter(c), NewIdempotencyCache(c)
	if _, err := l.Allow(context.Background(), "k", perHour(5)); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("Allow: %v, want the connection's error", err)
	}
	if _, err := l.Allow(context.Background(), "k", perHour(5)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Allow right after a failure: %v, want ErrUnavailable without trying", err)
	}
	if _, err := cache.GetIdempotency(context.Background(), "s", "k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("GetIdempotency: %v, want ErrUnavailable", err)
	}
	if err := cache.PutIdempotency(context.Background(), finished("s", "k"), time.Hour); !errors.Is(err, ErrUnavailable) {
		t.Errorf("PutIdempotency: %v, want ErrUnavailable", err)
	}
}

func TestCutPrefix(t *testing.T) {
	tests := []struct{ in, url, prefix string }{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0", ""},
		{"redis://:pw@127.0.0.1:6379/2?prefix=acme:", "redis://:pw@127.0.0.1:6379/2", "acme:"},
		{"redis://127.0.0.1/1?dial_timeout=2s&prefix=t-1:", "redis://127.0.0.1/1?dial_timeout=2s", "t-1:"},
	}
	for _, tt := range tests {
		u, p, err := cutPrefix(tt.in)
		if err != nil || u != tt.url || p != tt.prefix {
			t.Errorf("cutPrefix(%q) = %q, %q, %v; want %q, %q", tt.in, u, p, err, tt.url, tt.prefix)
		}
	}
}
