package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/gsign/gsign/internal/blob/blobtest"
	"github.com/gsign/gsign/internal/esign"
)

// s3URLEnv names the S3 bucket the S3 tests use, such as
// s3://ACCESS:SECRET@gsign-test?endpoint=127.0.0.1:9000&tls=false&create=1
// (.ci/minio.sh starts a MinIO and prints it). The tests create and remove
// buckets named after it, so the credentials must allow that.
const s3URLEnv = "GSIGN_TEST_S3_URL"

// TestS3 runs the contract on a fresh bucket per subtest. A bucket, not a
// prefix: the contract stores 1024-byte keys, S3's limit, which leaves no
// room for a prefix.
func TestS3(t *testing.T) {
	opts := testS3Options(t)
	blobtest.Run(t, func(t *testing.T) esign.Blobs { return newTestS3(t, opts, "") })
}

// testS3Options parses GSIGN_TEST_S3_URL, or skips the test if it is unset.
func testS3Options(t *testing.T) S3Options {
	t.Helper()
	raw := os.Getenv(s3URLEnv)
	if raw == "" {
		t.Skip("GSIGN_TEST_S3_URL not set: S3 tests skipped")
	}
	_, o, err := parseURL(raw)
	if err != nil || o == nil {
		t.Fatalf("%s is not an s3:// URL: %v", s3URLEnv, err)
	}
	return *o
}

// newTestS3 opens a store with the given prefix in a new bucket, named after
// the configured one, that is emptied and removed when the test ends.
func newTestS3(t *testing.T, o S3Options, prefix string) *S3 {
	t.Helper()
	o.Bucket = o.Bucket + "-" + strings.ToLower(rand.Text()[:10])
	o.Prefix, o.CreateBucket = prefix, true
	s, err := NewS3(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBucket(t, s) })
	return s
}

// removeBucket deletes every object in s's bucket, then the bucket.
// ForceDelete, a MinIO extension other servers ignore, also removes objects
// a listing misses (MinIO lists "a" but not "a/b" when both exist).
func removeBucket(t *testing.T, s *S3) {
	ctx := context.Background() // t.Context is done by the time cleanups run
	for oi := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		err := oi.Err
		if err == nil {
			err = s.client.RemoveObject(ctx, s.bucket, oi.Key, minio.RemoveObjectOptions{})
		}
		if err != nil {
			t.Errorf("empty test bucket %s: %v", s.bucket, err)
			return
		}
	}
	if err := s.client.RemoveBucketWithOptions(ctx, s.bucket, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
		t.Errorf("remove test bucket: %v", err)
	}
	s.Close()
}

// Put streams: storing 20 MiB must not allocate anything near that. Holding
// the blob would allocate at least its size; what Put allocates is one part
// buffer (5 MiB) plus what the HTTP client and the request signer churn
// through per chunk, about 9 MiB in all (12 MiB under -race).
func TestS3PutStreams(t *testing.T) {
	const size = 20 << 20
	s := newTestS3(t, testS3Options(t), "")
	src := io.LimitReader(mrand.NewChaCha8(blobtest.Seed(3)), size)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := s.Put(t.Context(), "big", src)
	runtime.ReadMemStats(&after)
	if err != nil || info.Size != size {
		t.Fatalf("Put = %+v, %v", info, err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of %d bytes allocated %d bytes", size, alloc)
	if alloc > size*3/4 {
		t.Errorf("Put of %d bytes allocated %d bytes, want at most %d", size, alloc, size*3/4)
	}
}

// Sizes around the switch from one PUT to a multipart upload store and
// report the right bytes.
func TestS3PutSizes(t *testing.T) {
	s := newTestS3(t, testS3Options(t), "")
	for _, size := range []int{smallPut, smallPut + 1, partSize, partSize + 1} {
		data := make([]byte, size)
		mrand.NewChaCha8(blobtest.Seed(byte(size))).Read(data)
		key := fmt.Sprintf("size/%d", size)
		info := blobtest.MustPut(t, s, key, data)
		if info.Size != int64(size) || info.SHA256 != blobtest.SHA256Hex(data) {
			t.Errorf("Put of %d bytes = %+v", size, info)
		}
		if got := blobtest.MustRead(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("read back %d bytes of %d, or different ones", len(got), size)
		}
	}
}

// A reader that fails after several parts have been uploaded aborts the
// multipart upload: the old blob stays, a new key stays missing, and no
// upload is left pending in the bucket.
func TestS3FailedMultipartPut(t *testing.T) {
	s := newTestS3(t, testS3Options(t), "")
	ctx := t.Context()
	errBoom := errors.New("connection reset")
	failing := func() io.Reader {
		return io.MultiReader(io.LimitReader(mrand.NewChaCha8(blobtest.Seed(5)), 3*partSize+17), readerFunc(func([]byte) (int, error) { return 0, errBoom }))
	}
	blobtest.MustPut(t, s, "k", []byte("old"))
	for _, key := range []string{"k", "new"} {
		if _, err := s.Put(ctx, key, failing()); !errors.Is(err, errBoom) {
			t.Errorf("Put(%q) with a reader failing after 15 MiB returned %v, want the reader's error", key, err)
		}
		for up := range s.client.ListIncompleteUploads(ctx, s.bucket, key, false) {
			t.Errorf("Put(%q) left an upload pending: %+v", key, up)
		}
	}
	if got := blobtest.MustRead(t, s, "k"); string(got) != "old" {
		t.Errorf("after failed overwrite read %q, want %q", got, "old")
	}
	if _, err := s.Stat(ctx, "new"); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("Stat after failed Put = %v, want not found", err)
	}
}

// Stores with different prefixes share a bucket without seeing each other,
// and a key plus the prefix must fit S3's 1024 bytes.
func TestS3Prefix(t *testing.T) {
	opts := testS3Options(t)
	a := newTestS3(t, opts, "tenant-a")
	b := &S3{client: a.client, transport: a.transport, bucket: a.bucket, prefix: "tenant-b/x/"}
	blobtest.MustPut(t, a, "k", []byte("a"))
	blobtest.MustPut(t, b, "k", []byte("b"))
	for s, want := range map[*S3]string{a: "a", b: "b"} {
		if got := blobtest.MustRead(t, s, "k"); string(got) != want {
			t.Errorf("%s: read %q, want %q", s.prefix, got, want)
		}
		if infos := blobtest.MustList(t, s, ""); len(infos) != 1 || infos[0].Key != "k" {
			t.Errorf("%s: List = %+v, want only k", s.prefix, infos)
		}
	}
	if _, err := a.client.StatObject(t.Context(), a.bucket, "tenant-a/k", minio.StatObjectOptions{}); err != nil {
		t.Errorf("object for key k is not at tenant-a/k: %v", err)
	}
	long := strings.Repeat(strings.Repeat("d", 255)+"/", 3) + strings.Repeat("e", 1024-3*256-len(a.prefix)+1)
	blobtest.MustPut(t, a, long[:len(long)-1], []byte("fits"))
	_, err := a.Put(t.Context(), long, strings.NewReader("x"))
	if !esign.IsKind(err, esign.KindInvalid) {
		t.Errorf("Put of a key that fits only without the prefix returned %v, want invalid", err)
	}
}

// A reader opened before an overwrite reads the old blob to the end; one
// that seeks after the overwrite fails rather than mix the two.
func TestS3OpenPinsVersion(t *testing.T) {
	s := newTestS3(t, testS3Options(t), "")
	old, next := bytes.Repeat([]byte("o"), 3*blockSize), bytes.Repeat([]byte("n"), 3*blockSize)
	blobtest.MustPut(t, s, "k", old)
	seq, seeker := blobtest.MustOpen(t, s, "k"), blobtest.MustOpen(t, s, "k")
	defer seq.Close()
	defer seeker.Close()
	blobtest.MustPut(t, s, "k", next)
	if got, err := io.ReadAll(seq); err != nil || !bytes.Equal(got, old) {
		t.Errorf("reading on after an overwrite: %d bytes starting %q, %v; want the old blob", len(got), head(got), err)
	}
	if _, err := seeker.Seek(blockSize+1, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(seeker); err == nil && !bytes.Equal(got, old[blockSize+1:]) {
		t.Errorf("seeking after an overwrite read %d bytes starting %q, want an error or the old blob", len(got), head(got))
	}
}

// Reads that jump within and across blocks, back and forth and over more
// blocks than are cached, return the right bytes.
func TestS3RandomAccess(t *testing.T) {
	s := newTestS3(t, testS3Options(t), "")
	data := make([]byte, 5*blockSize+1234)
	mrand.NewChaCha8(blobtest.Seed(9)).Read(data)
	blobtest.MustPut(t, s, "k", data)
	r := blobtest.MustOpen(t, s, "k")
	defer r.Close()
	size := int64(len(data))
	for _, pos := range []int64{0, size - 10, blockSize - 5, 3 * blockSize, 100, 4*blockSize + 7, blockSize + 1, 2 * blockSize, 0, size - 1} {
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, min(64<<10, size-pos))
		if _, err := io.ReadFull(r, buf); err != nil || !bytes.Equal(buf, data[pos:pos+int64(len(buf))]) {
			t.Errorf("read %d bytes at %d: wrong bytes or error %v", len(buf), pos, err)
		}
	}
	r.Close()
	if _, err := r.Read(make([]byte, 1)); err == nil {
		t.Errorf("Read after Close succeeded")
	}
}

// http.ServeContent seeks to the end for the size and back to the start,
// then copies; that must stay one streaming GET, not a GET per block.
func TestS3ServeContentStreams(t *testing.T) {
	s := newTestS3(t, testS3Options(t), "")
	data := bytes.Repeat([]byte("0123456789"), blockSize/4)
	blobtest.MustPut(t, s, "k", data)
	r := blobtest.MustOpen(t, s, "k")
	defer r.Close()
	if n, err := r.Seek(0, io.SeekEnd); err != nil || n != int64(len(data)) {
		t.Fatalf("Seek to end = %d, %v", n, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v; want the blob", len(got), err)
	}
	if sr := r.(*s3Reader); len(sr.blocks) != 0 {
		t.Errorf("a sequential read after seeking back fetched %d blocks instead of streaming", len(sr.blocks))
	}
}

// head is the start of data, for messages.
func head(data []byte) []byte { return data[:min(len(data), 16)] }

// Opening a bucket that does not exist fails unless create=1.
func TestS3MissingBucket(t *testing.T) {
	opts := testS3Options(t)
	opts.Bucket += "-missing-" + strings.ToLower(rand.Text()[:8])
	opts.CreateBucket = false
	if s, err := NewS3(t.Context(), opts); err == nil || !strings.Contains(err.Error(), "does not exist") {
		if s != nil {
			removeBucket(t, s)
		}
		t.Errorf("NewS3 of a missing bucket returned %v, want an error saying it does not exist", err)
	}
}
