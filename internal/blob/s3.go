package blob

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/gsign/gsign/internal/esign"
)

var _ esign.Blobs = (*S3)(nil)

// awsEndpoint is where S3 is when no endpoint is given.
const awsEndpoint = "s3.amazonaws.com"

// Upload sizes. A blob of up to smallPut bytes is read into memory and sent
// in one PUT, one request instead of three; a larger one goes out as a
// multipart upload of partSize parts (S3's minimum), so a Put holds at most
// smallPut plus one part in memory.
const (
	smallPut = 256 << 10
	partSize = 5 << 20
)

// S3 stores blobs as objects in one bucket of Amazon S3 or an S3-compatible
// server such as MinIO, each under the store's prefix followed by its key.
//
// Put streams the blob and hashes it on the way: a blob of up to 256 KiB
// goes in one PUT, a larger one as a multipart upload of 5 MiB parts. S3
// makes an object visible only once its PUT or multipart upload completes,
// so readers see the old blob or the new one, never part of one, and a Put
// that fails is aborted and leaves nothing. A process that dies mid-upload
// leaves an incomplete multipart upload: invisible, but stored until a
// bucket lifecycle rule aborts it (MinIO drops them by itself after a day).
//
// Stat and List leave BlobInfo.SHA256 empty, as Disk does: S3 takes an
// object's metadata before its body, and the hash is known only after it.
//
// A blob being read stays readable from start to end while it is
// overwritten; seeking in it after an overwrite fails instead of mixing two
// blobs.
//
// Keys should not be both a blob and a folder of blobs ("a" and "a/b"):
// Disk refuses that, Amazon S3 allows it, and MinIO stores both but leaves
// "a/b" out of List. GSign's keys never do it.
//
// A key counts against S3's limit of 1024 bytes together with the prefix.
// S3 is safe for concurrent use.
type S3 struct {
	client    *minio.Client
	transport *http.Transport
	bucket    string
	prefix    string // "" or ending in "/"
}

// S3Options says where an S3 store keeps its blobs and how to reach them.
type S3Options struct {
	Endpoint string // host[:port]; "" means Amazon S3
	Insecure bool   // plain HTTP, for a local MinIO
	Region   string // "" asks the server
	Bucket   string
	Prefix   string // optional folder inside the bucket for all keys
	// Creds signs requests; nil means the standard chain (see envCredentials).
	Creds *credentials.Credentials
	// CreateBucket creates a missing bucket instead of failing; for tests
	// and development.
	CreateBucket bool
}

// NewS3 connects to the bucket o names and checks that it exists, creating
// it if o.CreateBucket is set. Close releases idle connections.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	s, err := newS3(o)
	if err != nil {
		return nil, fmt.Errorf("open s3 blob store: %w", err)
	}
	if err := s.ensureBucket(ctx, o.Region, o.CreateBucket); err != nil {
		s.Close()
		return nil, fmt.Errorf("open s3 blob store: %w", err)
	}
	return s, nil
}

func newS3(o S3Options) (*S3, error) {
	prefix, err := storePrefix(o.Prefix)
	if err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(!o.Insecure)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(cmp.Or(o.Endpoint, awsEndpoint), &minio.Options{
		Creds: cmp.Or(o.Creds, envCredentials()), Secure: !o.Insecure, Region: o.Region, Transport: tr,
	})
	if err != nil {
		return nil, err
	}
	return &S3{client: client, transport: tr, bucket: o.Bucket, prefix: prefix}, nil
}

// storePrefix validates a store's prefix and gives it a trailing slash.
func storePrefix(p string) (string, error) {
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return "", nil
	}
	if msg := keyProblem(p); msg != "" {
		return "", esign.Invalid("prefix", msg)
	}
	return p + "/", nil
}

// ensureBucket fails unless the bucket exists, or creates it if create is set.
func (s *S3) ensureBucket(ctx context.Context, region string, create bool) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	switch {
	case err != nil:
		return fmt.Errorf("check bucket %q: %w", s.bucket, err)
	case ok:
		return nil
	case !create:
		return fmt.Errorf("bucket %q does not exist", s.bucket)
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil && s3Code(err) != minio.BucketAlreadyOwnedByYou {
		return fmt.Errorf("create bucket %q: %w", s.bucket, err)
	}
	return nil
}

// Close releases idle connections. Using s afterwards still works.
func (s *S3) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// Put stores r under key, replacing any blob there, and returns its size and
// SHA-256. See S3 for how it streams. If reading r fails, Put returns that
// error and stores nothing.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	info, err := s.put(ctx, key, r)
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("put blob %q: %w", key, err)
	}
	return info, nil
}

func (s *S3) put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return esign.BlobInfo{}, err
	}
	src := &hashingReader{r: ctxReader{ctx, r}, h: sha256.New()}
	first, err := io.ReadAll(io.LimitReader(src, smallPut+1))
	if err != nil {
		return esign.BlobInfo{}, err
	}
	opts := minio.PutObjectOptions{PartSize: partSize, ContentType: "application/octet-stream"}
	if len(first) <= smallPut {
		_, err = s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(first), int64(len(first)), opts)
	} else {
		_, err = s.client.PutObject(ctx, s.bucket, name, io.MultiReader(bytes.NewReader(first), src), -1, opts)
	}
	if err != nil {
		return esign.BlobInfo{}, err
	}
	return esign.BlobInfo{Key: key, Size: src.n, SHA256: hex.EncodeToString(src.h.Sum(nil))}, nil
}

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// Open returns a reader that streams the blob from S3, fetching ranges as
// it seeks; a missing key gives an esign error of KindNotFound. Reads use
// ctx, so the reader is only good while ctx is. See s3Reader for what an
// overwrite does to an open reader.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	obj, err := s.open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("open blob %q: %w", key, err)
	}
	return obj, nil
}

func (s *S3) open(ctx context.Context, key string) (*s3Reader, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return nil, err
	}
	r, err := openS3Reader(ctx, s.client, s.bucket, name)
	if err != nil {
		return nil, notFoundS3(err)
	}
	return r, nil
}

// Stat returns the blob's key and size. SHA256 is left empty; see S3.
func (s *S3) Stat(ctx context.Context, key string) (esign.BlobInfo, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("stat blob %q: %w", key, err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("stat blob %q: %w", key, notFoundS3(err))
	}
	return esign.BlobInfo{Key: key, Size: oi.Size}, nil
}

// Delete removes the blob. A missing key is not an error; S3 deletes
// exactly the key, never the blobs below it.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.object(ctx, key)
	if err == nil {
		err = s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	}
	if err != nil {
		return fmt.Errorf("delete blob %q: %w", key, err)
	}
	return nil
}

// List calls fn for every blob whose key starts with prefix, in byte order of
// the keys (S3 lists in that order), and returns fn's first error unchanged.
// It fetches a page of keys at a time, so fn may use the store; blobs put or
// deleted during the listing may or may not be reported. Objects under the
// prefix whose names are not valid keys (such as folder markers some tools
// create) are skipped. SHA256 is left empty; see S3.
func (s *S3) List(ctx context.Context, prefix string, fn func(esign.BlobInfo) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("list blobs %q: %w", prefix, err)
	}
	noOwner := false
	opts := minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true, FetchOwner: &noOwner}
	for oi := range s.client.ListObjectsIter(ctx, s.bucket, opts) {
		if err := cmp.Or(oi.Err, ctx.Err()); err != nil {
			return fmt.Errorf("list blobs %q: %w", prefix, err)
		}
		key := strings.TrimPrefix(oi.Key, s.prefix)
		if validKey(key) != nil {
			continue
		}
		if err := fn(esign.BlobInfo{Key: key, Size: oi.Size}); err != nil {
			return err
		}
	}
	// The listing ends silently when ctx is done.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("list blobs %q: %w", prefix, err)
	}
	return nil
}

// object validates key and returns the name of the object that holds it.
func (s *S3) object(ctx context.Context, key string) (string, error) {
	if err := checkKey(ctx, key); err != nil {
		return "", err
	}
	name := s.prefix + key
	if len(name) > maxKeyLen {
		return "", esign.Invalid("key", fmt.Sprintf("must be at most %d bytes in this store (its prefix takes %d of S3's %d)", maxKeyLen-len(s.prefix), len(s.prefix), maxKeyLen))
	}
	return name, nil
}

// notFoundS3 turns S3's "no such key" into esign's not-found error and
// passes any other error through.
func notFoundS3(err error) error {
	if s3Code(err) == minio.NoSuchKey {
		return esign.NotFound("blob")
	}
	return err
}

// s3Code returns the S3 error code in err's chain, or "" if there is none.
func s3Code(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}

// envCredentials is the standard chain: AWS environment variables, MinIO
// environment variables, the AWS shared credentials file, then the IAM role
// of the machine or container.
func envCredentials() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
}
