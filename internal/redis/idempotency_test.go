package redis

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// finished is a finished idempotency record, as the API saves it.
func finished(scope, key string) *esign.IdempotencyRecord {
	t := time.Date(2026, 5, 1, 9, 0, 0, 123000, time.UTC)
	return &esign.IdempotencyRecord{
		Scope: scope, Key: key, RequestHash: "3f9a", Status: 201,
		Header: []byte(`{"Content-Type":"application/json"}`), Body: []byte{0, 1, 2, 0xff},
		CreatedAt: t, ExpiresAt: t.Add(24 * time.Hour), LockedUntil: t.Add(time.Second),
	}
}

func TestIdempotencyCacheRoundTrip(t *testing.T) {
	c := openTest(t, testPrefix(t))
	cache := NewIdempotencyCache(c)
	ctx := context.Background()
	rec := finished("anon:2001:db8::1", "k1")
	if err := cache.PutIdempotency(ctx, rec, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := cache.GetIdempotency(ctx, rec.Scope, rec.Key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("got %+v\nwant %+v", got, rec)
	}
	ttl, err := c.rdb.PTTL(ctx, cache.key(rec.Scope, rec.Key)).Result()
	if err != nil || ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL %v (%v), want the record's 24h", ttl, err)
	}
	for _, other := range [][2]string{{rec.Scope, "k2"}, {"anon:2001:db8::2", rec.Key}, {"anon:2001:db8:", ":1\x00k1"}} {
		if _, err := cache.GetIdempotency(ctx, other[0], other[1]); !esign.IsKind(err, esign.KindNotFound) {
			t.Errorf("GetIdempotency(%q, %q): %v, want not found", other[0], other[1], err)
		}
	}
}

// TestIdempotencyCacheExpiry: an entry lives for its TTL; Redis checks it on
// every read, so a short one is gone as soon as it passed.
func TestIdempotencyCacheExpiry(t *testing.T) {
	cache := NewIdempotencyCache(openTest(t, testPrefix(t)))
	ctx := context.Background()
	rec := finished("user:1", "k")
	if err := cache.PutIdempotency(ctx, rec, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := cache.GetIdempotency(ctx, rec.Scope, rec.Key); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("after its TTL: %v, want not found", err)
	}
	if err := cache.PutIdempotency(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.GetIdempotency(ctx, rec.Scope, rec.Key); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("a record with no time left was cached: %v", err)
	}
}

// TestIdempotencyCacheRefusesInFlight: only the database says who holds a key.
func TestIdempotencyCacheRefusesInFlight(t *testing.T) {
	cache := NewIdempotencyCache(openTest(t, testPrefix(t)))
	rec := finished("user:1", "k")
	rec.Status = 0
	if err := cache.PutIdempotency(context.Background(), rec, time.Hour); err == nil {
		t.Fatal("an in-flight record was cached")
	}
	if _, err := cache.GetIdempotency(context.Background(), rec.Scope, rec.Key); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("%v, want not found", err)
	}
}
