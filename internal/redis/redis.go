// Package redis keeps GSign's shared, disposable state in Redis: the rate
// limit counters that every process of a deployment shares, and a cache of
// finished idempotent responses. None of it is the source of truth (the
// database is), so a caller treats any error as "Redis is not there" and
// carries on without it; this package makes sure such errors come fast.
package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

const (
	defaultPrefix  = "gsign:"
	defaultTimeout = 250 * time.Millisecond
	// backoff is how long calls fail at once after a failure, so that an
	// unreachable Redis costs a request nothing rather than a timeout.
	backoff = time.Second
)

// ErrUnavailable is what calls return, without trying, for a short while
// after Redis failed.
var ErrUnavailable = errors.New("redis: unavailable after a recent failure; trying again shortly")

// Options tune a Client.
type Options struct {
	// Prefix starts every key, so that deployments (or tests) can share one
	// Redis; empty means "gsign:".
	Prefix string
	// Timeout bounds each call; zero means 250ms. Redis is a fast path
	// here: a late answer is worse than none.
	Timeout time.Duration
	// Log is told when Redis does not answer at Open; nil discards.
	Log *slog.Logger
}

// Client is a connection pool to one Redis.
type Client struct {
	rdb       *goredis.Client
	prefix    string
	timeout   time.Duration
	downUntil atomic.Int64 // unix nanoseconds; calls before it fail at once
}

// Open connects to the Redis of a redis://[user:password@]host:port/db or
// rediss:// (TLS) URL. Only a bad URL is an error: a Redis that does not
// answer yet is logged, and the Client keeps trying, so that a Redis outage
// never stops GSign from starting.
//
// A prefix=name query parameter sets Options.Prefix when that is empty, so
// that one setting (GSIGN_REDIS_URL) can place several deployments, or
// tests, in one Redis.
func Open(ctx context.Context, rawURL string, opt Options) (*Client, error) {
	rawURL, prefix, err := cutPrefix(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open redis: %w", err)
	}
	if opt.Prefix == "" {
		opt.Prefix = prefix
	}
	ro, err := options(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open redis: %w", err)
	}
	c := &Client{rdb: goredis.NewClient(ro), prefix: opt.Prefix, timeout: opt.Timeout}
	if c.prefix == "" {
		c.prefix = defaultPrefix
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := c.do(ctx, func(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }); err != nil {
		log.WarnContext(ctx, "redis does not answer; until it does, rate limits let requests through and idempotent replays use the database",
			"addr", ro.Addr, "err", err)
	}
	return c, nil
}

// cutPrefix removes the prefix query parameter, which go-redis would
// refuse, from rawURL and returns it.
func cutPrefix(rawURL string) (string, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", errors.New("parse the URL: not a valid URL") // url's error repeats the password
	}
	q := u.Query()
	prefix := q.Get("prefix")
	if prefix == "" {
		return rawURL, "", nil
	}
	q.Del("prefix")
	u.RawQuery = q.Encode()
	return u.String(), prefix, nil
}

// options parses the URL and tunes the pool for failing fast, where the
// URL does not say otherwise.
func options(rawURL string) (*goredis.Options, error) {
	ro, err := goredis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("parse the URL: %w", err)
	}
	ro.ContextTimeoutEnabled = true // so each call's timeout bounds its reads and writes
	if ro.DialTimeout == 0 {
		ro.DialTimeout = time.Second
	}
	if ro.DialerRetries == 0 {
		ro.DialerRetries = 1
	}
	if ro.MaxRetries == 0 {
		ro.MaxRetries = 1
	}
	return ro, nil
}

// Close closes the connection pool.
func (c *Client) Close() error { return c.rdb.Close() }

// key is a key under the client's prefix.
func (c *Client) key(parts ...string) string {
	return c.prefix + strings.Join(parts, ":")
}

// do runs one call under the timeout, unless Redis failed moments ago. A
// failure (not a miss, and not the caller giving up) makes the next calls
// fail at once for a while.
func (c *Client) do(ctx context.Context, call func(ctx context.Context) error) error {
	if time.Now().UnixNano() < c.downUntil.Load() {
		return ErrUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := call(cctx)
	if err != nil && !errors.Is(err, goredis.Nil) && ctx.Err() == nil {
		c.downUntil.Store(time.Now().Add(backoff).UnixNano())
	}
	return err
}
