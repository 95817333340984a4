package esign

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// DefaultScratchInMemory is how large an intermediate file of finalize may
// grow in memory before it goes to the blob store (Config.ScratchInMemory).
const DefaultScratchInMemory = 8 << 20

// scratchSpace holds finalize's intermediate files: the flattened
// documents, the certificate and the combined PDF before they are sealed.
// Each is written once, read back at once and dropped when finalize ends,
// and a finalize that crashed starts again from the start, so none needs
// to outlive the process. One that fits in limit bytes stays in memory: a
// small envelope then creates, syncs and deletes no file for its work
// (creating and deleting files at a high rate costs the kernel more than
// the bytes do). A larger one spills to the blob store under its work key
// as it is written (PutScratch where the store offers it), so a 50 MB
// document is never held whole, and cleanup deletes it.
type scratchSpace struct {
	s       *Service
	limit   int
	mem     map[string][]byte
	spilled []string // keys written to the blob store
}

func newScratchSpace(s *Service) *scratchSpace {
	limit := s.Config.ScratchInMemory
	if limit == 0 {
		limit = DefaultScratchInMemory
	}
	return &scratchSpace{s: s, limit: max(limit, 0), mem: map[string][]byte{}}
}

// write stores what produce writes under key.
func (sp *scratchSpace) write(ctx context.Context, key string, produce func(w io.Writer) error) error {
	put := sp.s.Blobs.Put
	if sb, ok := sp.s.Blobs.(ScratchBlobs); ok {
		put = sb.PutScratch
	}
	w := &spillWriter{ctx: ctx, key: key, limit: sp.limit, put: put}
	err := w.finish(produce(w))
	if w.done != nil {
		sp.spilled = append(sp.spilled, key) // even half-written: cleanup deletes it
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	if w.done == nil {
		sp.mem[key] = w.buf.Bytes()
	}
	return nil
}

// open opens the intermediate file key, or the durable blob key (an
// original document) when it is not one.
func (sp *scratchSpace) open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if b, ok := sp.mem[key]; ok {
		return nopCloser{bytes.NewReader(b)}, nil
	}
	return sp.s.Blobs.Open(ctx, key)
}

// transform streams fn's output from the intermediate file src into the
// durable blob dst.
func (sp *scratchSpace) transform(ctx context.Context, src, dst string, fn func(r io.ReadSeeker, w io.Writer) error) (BlobInfo, error) {
	f, err := sp.open(ctx, src)
	if err != nil {
		return BlobInfo{}, err
	}
	defer f.Close()
	return sp.s.writeBlob(ctx, dst, func(w io.Writer) error { return fn(f, w) })
}

// cleanup drops the intermediate files.
func (sp *scratchSpace) cleanup() {
	for _, k := range sp.spilled {
		sp.s.deleteBlob(k)
	}
	sp.mem, sp.spilled = nil, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// spillWriter buffers up to limit bytes; past that it streams everything,
// the buffer first, into put on another goroutine.
type spillWriter struct {
	ctx   context.Context
	key   string
	limit int
	put   putFunc
	buf   bytes.Buffer
	pw    *io.PipeWriter
	done  chan error // the put's result, once spilling
}

func (w *spillWriter) Write(p []byte) (int, error) {
	if w.done == nil && w.buf.Len()+len(p) <= w.limit {
		return w.buf.Write(p)
	}
	if w.done == nil {
		w.spill()
		if _, err := w.pw.Write(w.buf.Bytes()); err != nil {
			return 0, err
		}
		w.buf = bytes.Buffer{}
	}
	return w.pw.Write(p)
}

func (w *spillWriter) spill() {
	pr, pw := io.Pipe()
	w.pw, w.done = pw, make(chan error, 1)
	go func() {
		_, err := w.put(w.ctx, w.key, pr)
		pr.CloseWithError(err) // unblocks the writer if put gave up early
		w.done <- err
	}()
}

// finish ends the write with produce's error and returns the first error
// of produce and put.
func (w *spillWriter) finish(err error) error {
	if w.done == nil {
		return err
	}
	w.pw.CloseWithError(err)
	if perr := <-w.done; err == nil {
		err = perr
	}
	return err
}
