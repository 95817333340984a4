package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gsign/gsign/internal/ratelimit"
)

// gcra is ratelimit.Limit.Step in Lua, so that reading and moving a key's
// TAT is one atomic step however many processes share the key. KEYS[1]
// holds the TAT in microseconds, and expires when the TAT passes, after
// which the key is as good as new. ARGV: the interval and the tolerance in
// microseconds, and now in microseconds (empty: the server's clock, which
// every process shares); and "peek" to decide without counting. It returns {allowed (1 or 0), how far the TAT runs
// ahead of now in microseconds}, all ratelimit.Limit.Decide needs.
//
// go-redis runs it with EVALSHA and falls back to EVAL when Redis does not
// know it (after a restart or SCRIPT FLUSH), which loads it again.
var gcra = goredis.NewScript(`
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local nxt = tat + interval
if nxt - now > tolerance then
  return {0, tat - now}
end
if ARGV[4] == 'peek' then
  return {1, nxt - now}
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000))
return {1, nxt - now}
`)

// Limiter counts requests in Redis, so that every process of a deployment
// draws on the same limits. It implements api.Limiter.
type Limiter struct {
	c   *Client
	now func() time.Time // nil: the Redis server's clock; set by tests
}

// NewLimiter returns a limiter that keeps its counts under the client's
// prefix, in keys that expire once they no longer matter.
func NewLimiter(c *Client) *Limiter { return &Limiter{c: c} }

// Allow counts one request of key against limit. When Redis fails it
// returns the error, and the caller decides (the API lets the request
// through).
func (l *Limiter) Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error) {
	return l.run(ctx, key, limit, "count")
}

// Peek reports whether a request of key would be allowed now, without
// counting one.
func (l *Limiter) Peek(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error) {
	return l.run(ctx, key, limit, "peek")
}

// run runs the script in mode "count" or "peek".
func (l *Limiter) run(ctx context.Context, key string, limit ratelimit.Limit, mode string) (ratelimit.Decision, error) {
	if !limit.Enabled() {
		return ratelimit.Decision{Allowed: true}, nil
	}
	interval := max(limit.Interval().Microseconds(), 1)
	now := ""
	if l.now != nil {
		now = strconv.FormatInt(l.now().UnixMicro(), 10)
	}
	var res []int64
	err := l.c.do(ctx, func(ctx context.Context) error {
		var err error
		res, err = gcra.Run(ctx, l.c.rdb, []string{l.c.key("rate", key)}, interval, interval*int64(limit.Capacity()), now, mode).Int64Slice()
		return err
	})
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("the script returned %v", res)
	}
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redis rate limit: %w", err)
	}
	return limit.Decide(res[0] == 1, time.Duration(res[1])*time.Microsecond), nil
}
