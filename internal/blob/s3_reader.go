package blob

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/minio/minio-go/v7"
)

// Random access to an S3 blob goes by blocks of blockSize bytes, of which a
// reader keeps the maxBlocks it used last.
const (
	blockSize = 512 << 10
	maxBlocks = 4
)

// s3Reader reads one version of an object in two ways.
//
// Open sends a GET for the whole object, and reads from where that stream
// stands use it: a download, even one that first seeks to the end for the
// size as http.ServeContent does, is one request, and it returns the
// version opened whatever Puts happen meanwhile.
//
// A read anywhere else closes the stream and switches to ranged GETs of
// whole blocks, cached, so that a PDF parser jumping between objects costs
// a few requests rather than one per object (about 120 for a 250 KiB PDF).
// Those GETs must match the opened version's ETag, so after an overwrite
// they fail rather than mix two blobs.
//
// minio.Object is not used because it sends a GET per Seek, and its first
// GET only at the first Read, after a HEAD, which fails if the blob was
// overwritten in between.
type s3Reader struct {
	ctx    context.Context // of the Open call: reads belong to it
	core   minio.Core
	bucket string
	name   string
	etag   string
	size   int64
	off    int64

	body      io.ReadCloser // the stream from Open, until a read elsewhere
	streamOff int64         // where body stands
	blocks    []s3Block     // most recently used first
	closed    bool
}

// s3Block is bytes [index*blockSize, index*blockSize+len(data)) of the object.
type s3Block struct {
	index int64
	data  []byte
}

// openS3Reader sends the GET for the whole object.
func openS3Reader(ctx context.Context, client *minio.Client, bucket, name string) (*s3Reader, error) {
	r := &s3Reader{ctx: ctx, core: minio.Core{Client: client}, bucket: bucket, name: name}
	body, oi, _, err := r.core.GetObject(ctx, bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	r.body, r.etag, r.size = body, oi.ETag, oi.Size
	return r, nil
}

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read s3 object %q: %w", r.name, fs.ErrClosed)
	}
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.body != nil && r.off == r.streamOff {
		return r.readStream(p)
	}
	r.closeStream()
	b, err := r.block(r.off / blockSize)
	if err != nil {
		return 0, err
	}
	n := copy(p, b.data[r.off-b.index*blockSize:])
	r.off += int64(n)
	return n, nil
}

// readStream reads from the stream Open started.
func (r *s3Reader) readStream(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.off += int64(n)
	r.streamOff = r.off
	if err == io.EOF && r.off < r.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// block returns block i, from the cache or from S3.
func (r *s3Reader) block(i int64) (s3Block, error) {
	for k, b := range r.blocks {
		if b.index == i {
			r.blocks = slices.Insert(slices.Delete(r.blocks, k, k+1), 0, b)
			return b, nil
		}
	}
	b, err := r.fetch(i)
	if err != nil {
		return s3Block{}, err
	}
	r.blocks = slices.Insert(r.blocks[:min(len(r.blocks), maxBlocks-1)], 0, b)
	return b, nil
}

// fetch reads block i of the opened version from S3.
func (r *s3Reader) fetch(i int64) (s3Block, error) {
	start := i * blockSize
	end := min(start+blockSize, r.size) // exclusive
	var opts minio.GetObjectOptions
	err := opts.SetMatchETag(r.etag)
	if err == nil {
		err = opts.SetRange(start, end-1)
	}
	if err != nil {
		return s3Block{}, fmt.Errorf("read s3 object %q at %d: %w", r.name, start, err)
	}
	body, _, _, err := r.core.GetObject(r.ctx, r.bucket, r.name, opts)
	if err != nil {
		return s3Block{}, fmt.Errorf("read s3 object %q at %d: %w", r.name, start, err)
	}
	defer body.Close()
	data := make([]byte, end-start)
	if _, err := io.ReadFull(body, data); err != nil {
		return s3Block{}, fmt.Errorf("read s3 object %q at %d: %w", r.name, start, err)
	}
	return s3Block{index: i, data: data}, nil
}

// Seek only moves the position; the next Read decides how to get there.
func (r *s3Reader) Seek(offset int64, whence int) (int64, error) {
	pos := offset
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		pos += r.off
	case io.SeekEnd:
		pos += r.size
	default:
		return 0, fmt.Errorf("seek s3 object %q: invalid whence %d", r.name, whence)
	}
	if pos < 0 {
		return 0, fmt.Errorf("seek s3 object %q: negative position %d", r.name, pos)
	}
	r.off = pos
	return pos, nil
}

// closeStream ends the stream from Open, if it is still open.
func (r *s3Reader) closeStream() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

func (r *s3Reader) Close() error {
	r.closed, r.blocks = true, nil
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}
