package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gsign/gsign/internal/esign"
)

// IdempotencyCache keeps finished idempotent responses in Redis, in front
// of the database's records. It implements api.IdempotencyCache. What it
// stores is the database's record as is: the key and request hash are
// MACs and the body is encrypted, so Redis learns no secret either.
type IdempotencyCache struct{ c *Client }

// NewIdempotencyCache returns a cache under the client's prefix.
func NewIdempotencyCache(c *Client) *IdempotencyCache { return &IdempotencyCache{c: c} }

// cachedRecord is the stored form of a finished esign.IdempotencyRecord.
type cachedRecord struct {
	Scope       string    `json:"scope"`
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"`
	Status      int       `json:"status"`
	Header      []byte    `json:"header"`
	Body        []byte    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	LockedUntil time.Time `json:"locked_until"`
}

// GetIdempotency returns the cached record of (scope, key); an error of
// KindNotFound when there is none.
func (ic *IdempotencyCache) GetIdempotency(ctx context.Context, scope, key string) (*esign.IdempotencyRecord, error) {
	var raw []byte
	err := ic.c.do(ctx, func(ctx context.Context) error {
		var err error
		raw, err = ic.c.rdb.Get(ctx, ic.key(scope, key)).Bytes()
		return err
	})
	if errors.Is(err, goredis.Nil) {
		return nil, esign.Errorf(esign.KindNotFound, esign.CodeNotFound, "idempotency record not cached")
	}
	if err != nil {
		return nil, fmt.Errorf("get cached idempotency record: %w", err)
	}
	var cr cachedRecord
	if err := json.Unmarshal(raw, &cr); err != nil {
		return nil, fmt.Errorf("get cached idempotency record: %w", err)
	}
	if cr.Scope != scope || cr.Key != key {
		return nil, esign.Errorf(esign.KindNotFound, esign.CodeNotFound, "idempotency record not cached")
	}
	return &esign.IdempotencyRecord{
		Scope: cr.Scope, Key: cr.Key, RequestHash: cr.RequestHash, Status: cr.Status, Header: cr.Header, Body: cr.Body,
		CreatedAt: cr.CreatedAt, ExpiresAt: cr.ExpiresAt, LockedUntil: cr.LockedUntil,
	}, nil
}

// PutIdempotency keeps a finished record for ttl. An in-flight record is
// refused: only the database may say who holds a key.
func (ic *IdempotencyCache) PutIdempotency(ctx context.Context, rec *esign.IdempotencyRecord, ttl time.Duration) error {
	if rec.Status == 0 {
		return fmt.Errorf("cache idempotency record: it is still in flight")
	}
	if ttl <= 0 {
		return nil
	}
	raw, err := json.Marshal(cachedRecord{
		Scope: rec.Scope, Key: rec.Key, RequestHash: rec.RequestHash, Status: rec.Status, Header: rec.Header, Body: rec.Body,
		CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt, LockedUntil: rec.LockedUntil,
	})
	if err == nil {
		err = ic.c.do(ctx, func(ctx context.Context) error {
			return ic.c.rdb.Set(ctx, ic.key(rec.Scope, rec.Key), raw, ttl).Err()
		})
	}
	if err != nil {
		return fmt.Errorf("cache idempotency record: %w", err)
	}
	return nil
}

// key is the Redis key of (scope, key): a hash, because a scope holds a
// client address and may hold any character.
func (ic *IdempotencyCache) key(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return ic.c.key("idem", hex.EncodeToString(sum[:]))
}
