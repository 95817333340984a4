package breaker

import (
	"context"
	"crypto"
	"io"

	"github.com/gsign/gsign/internal/esign"
)

// Sender sends messages of type T through a breaker: a Sender[esign.Email]
// wraps the Mailer (SMTP), a Sender[esign.SMS] the SMS provider.
type Sender[T any] struct {
	Next interface {
		Send(context.Context, *T) error
	}
	Breaker *Breaker
}

var (
	_ esign.Mailer    = (*Sender[esign.Email])(nil)
	_ esign.SMSSender = (*Sender[esign.SMS])(nil)
)

// Send sends m unless the breaker is open.
func (s *Sender[T]) Send(ctx context.Context, m *T) error {
	return s.Breaker.Do(func() error { return s.Next.Send(ctx, m) })
}

// Timestamper is the sealer's timestamp authority client (the method set of
// pades.Timestamper, which this package does not import).
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

// TSA asks a timestamp authority through a breaker.
type TSA struct {
	Next    Timestamper
	Breaker *Breaker
}

// Timestamp returns the authority's token unless the breaker is open.
func (t *TSA) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) (tok []byte, err error) {
	err = t.Breaker.Do(func() (err error) {
		tok, err = t.Next.Timestamp(ctx, digest, hash)
		return err
	})
	return tok, err
}

// InProcess reports whether the authority behind the breaker makes its
// tokens in this process (pades.InProcessTimestamper).
func (t *TSA) InProcess() bool {
	ip, ok := t.Next.(interface{ InProcess() bool })
	return ok && ip.InProcess()
}

// Blobs calls a blob store (S3) through a breaker. A missing blob is an
// answer, not a failure. Only the calls are guarded: a reader that Open
// returned streams without the breaker.
type Blobs struct {
	Next    esign.Blobs
	Breaker *Breaker
}

var _ interface {
	esign.Blobs
	io.Closer
} = (*Blobs)(nil)

// Put stores r under key unless the breaker is open.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader) (info esign.BlobInfo, err error) {
	err = b.Breaker.Do(func() (err error) {
		info, err = b.Next.Put(ctx, key, r)
		return err
	})
	return info, err
}

// Open opens the blob unless the breaker is open.
func (b *Blobs) Open(ctx context.Context, key string) (f io.ReadSeekCloser, err error) {
	err = b.Breaker.Do(func() (err error) {
		f, err = b.Next.Open(ctx, key)
		return err
	})
	return f, err
}

// Stat describes the blob unless the breaker is open.
func (b *Blobs) Stat(ctx context.Context, key string) (info esign.BlobInfo, err error) {
	err = b.Breaker.Do(func() (err error) {
		info, err = b.Next.Stat(ctx, key)
		return err
	})
	return info, err
}

// Delete removes the blob unless the breaker is open.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	return b.Breaker.Do(func() error { return b.Next.Delete(ctx, key) })
}

// List lists blobs unless the breaker is open; an error fn returns is the
// caller's and does not count against the store.
func (b *Blobs) List(ctx context.Context, prefix string, fn func(esign.BlobInfo) error) error {
	return b.Breaker.Do(func() error {
		return b.Next.List(ctx, prefix, func(i esign.BlobInfo) error {
			if err := fn(i); err != nil {
				return callerError{err}
			}
			return nil
		})
	})
}

// Close closes the store, if it is one that closes (blob.Store).
func (b *Blobs) Close() error {
	if c, ok := b.Next.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
