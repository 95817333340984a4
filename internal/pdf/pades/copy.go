package pades

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"io"
)

// The original is read, written and hashed in chunks of copyChunk bytes,
// large enough that per-call overhead vanishes against hashing. Hashing
// runs on its own goroutine, overlapped with the reads and writes of the
// next chunks: with copyBuffers chunks in flight, sealing takes about as
// long as the slower of hashing and I/O rather than their sum, and memory
// stays at copyBuffers*copyChunk whatever the document's size.
const (
	copyChunk   = 64 << 10
	copyBuffers = 4
)

// copyHashed streams the size bytes of src, from its start, to w and
// through a new hash of kind alg, which it returns.
func copyHashed(ctx context.Context, src io.ReadSeeker, w io.Writer, size int64, alg crypto.Hash) (hash.Hash, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind source: %w", err)
	}
	h := alg.New()
	free := make(chan []byte, copyBuffers)
	for range copyBuffers {
		free <- make([]byte, copyChunk)
	}
	work := make(chan []byte, copyBuffers)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range work {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()
	n, err := pump(ctx, src, w, free, work)
	close(work)
	<-hashed
	if err != nil {
		return nil, fmt.Errorf("copy original: %w", err)
	}
	if n != size {
		return nil, fmt.Errorf("copy original: read %d bytes, expected %d (the source changed)", n, size)
	}
	return h, nil
}

// pump reads src into free buffers, writes each to w and hands it to the
// hasher through work, which returns it to free.
func pump(ctx context.Context, src io.Reader, w io.Writer, free chan []byte, work chan<- []byte) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		buf := <-free
		k, err := io.ReadFull(src, buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			work <- buf[:k]
			n += int64(k)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
