package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/gsign/gsign/internal/esign"
)

// Store is a blob store that OpenURL opened; its owner closes it.
type Store interface {
	esign.Blobs
	io.Closer
}

var (
	_ Store = (*Disk)(nil)
	_ Store = (*S3)(nil)
)

// OpenURL opens the blob store rawURL names (the GSIGN_BLOB_URL setting):
//
//	/var/lib/gsign/blobs or data/blobs    a folder on this machine (Disk)
//	file:///var/lib/gsign/blobs           the same
//	s3://bucket/optional/prefix?options   a bucket of Amazon S3 or MinIO (S3)
//
// S3 options: endpoint=host:port (default Amazon S3), tls=false (plain HTTP;
// needs an endpoint), region=name (default: ask the server) and create=1
// (create a missing bucket; for tests and development, otherwise a missing
// bucket is an error). Credentials come from the URL, as
// s3://ACCESS:SECRET@bucket with any "/" or "+" in the secret
// percent-encoded, or else from the standard chain: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, MINIO_ROOT_USER and MINIO_ROOT_PASSWORD, the AWS
// credentials file, then the IAM role. Errors never repeat the secret.
func OpenURL(ctx context.Context, rawURL string) (Store, error) {
	dir, s3opts, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	if s3opts != nil {
		return NewS3(ctx, *s3opts)
	}
	return NewDisk(dir)
}

// parseURL returns either the folder or the S3 options rawURL names.
func parseURL(rawURL string) (string, *S3Options, error) {
	if rawURL == "" {
		return "", nil, errors.New("the blob URL is empty")
	}
	if isPlainPath(rawURL) {
		return rawURL, nil, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, secret included; keep only why.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return "", nil, fmt.Errorf("invalid blob URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		dir, err := fileDir(u)
		return dir, nil, err
	case "s3":
		o, err := s3Options(u)
		return "", o, err
	}
	return "", nil, fmt.Errorf("blob URL %s: unknown scheme %q (want s3://, file:// or a folder path)", u.Redacted(), u.Scheme)
}

// isPlainPath reports whether s is a folder path rather than a URL: it
// starts with "/" or ".", or has no colon that could end a scheme.
func isPlainPath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") || !strings.Contains(s, ":")
}

// fileDir returns the folder of a file:// URL.
func fileDir(u *url.URL) (string, error) {
	switch {
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("blob URL %s: file URLs name a local folder, not host %q", u.Redacted(), u.Host)
	case u.Path == "":
		return "", fmt.Errorf("blob URL %s: missing folder (want file:///path/to/blobs)", u.Redacted())
	case u.RawQuery != "":
		return "", fmt.Errorf("blob URL %s: file URLs take no options", u.Redacted())
	}
	return u.Path, nil
}

// s3Options returns the options an s3:// URL describes.
func s3Options(u *url.URL) (*S3Options, error) {
	where := u.Redacted()
	o := &S3Options{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if err := checkBucket(u); err != nil {
		return nil, fmt.Errorf("blob URL %s: %w", where, err)
	}
	if err := s3Query(o, u.Query()); err != nil {
		return nil, fmt.Errorf("blob URL %s: %w", where, err)
	}
	creds, err := urlCredentials(u.User)
	if err != nil {
		return nil, fmt.Errorf("blob URL %s: %w", where, err)
	}
	o.Creds = creds
	return o, nil
}

// checkBucket checks the host part of an s3:// URL, which names the bucket.
func checkBucket(u *url.URL) error {
	switch {
	case u.Host == "":
		return errors.New("missing bucket (want s3://bucket/optional/prefix)")
	case u.Port() != "":
		return fmt.Errorf("%q is not a bucket; give the server as ?endpoint=host:port", u.Host)
	}
	if err := s3utils.CheckValidBucketNameStrict(u.Host); err != nil {
		return fmt.Errorf("bucket %q: %w", u.Host, err)
	}
	return nil
}

// s3Query applies the query options of an s3:// URL to o.
func s3Query(o *S3Options, q url.Values) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		v := q.Get(name)
		var err error
		switch name {
		case "endpoint":
			o.Endpoint, err = endpoint(v)
		case "region":
			o.Region = v
		case "tls":
			var secure bool
			secure, err = parseFlag(name, v)
			o.Insecure = !secure
		case "create":
			o.CreateBucket, err = parseFlag(name, v)
		default:
			err = fmt.Errorf("unknown option %q (want endpoint, tls, region or create)", name)
		}
		if err != nil {
			return err
		}
	}
	if o.Insecure && o.Endpoint == "" {
		return errors.New("tls=false needs an endpoint: Amazon S3 is reached over TLS")
	}
	return nil
}

// endpoint checks an endpoint option: a host and optional port.
func endpoint(v string) (string, error) {
	if v == "" || strings.Contains(v, "/") {
		return "", fmt.Errorf("endpoint %q: want host or host:port, without scheme or path (use tls=false for plain HTTP)", v)
	}
	return v, nil
}

// parseFlag parses a boolean option.
func parseFlag(name, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

// urlCredentials returns static credentials from the URL's user info, or
// nil, meaning the standard chain, if the URL has none.
func urlCredentials(user *url.Userinfo) (*credentials.Credentials, error) {
	if user == nil {
		return nil, nil
	}
	secret, ok := user.Password()
	if user.Username() == "" || !ok || secret == "" {
		return nil, errors.New("credentials in the URL need both parts: s3://ACCESS:SECRET@bucket")
	}
	return credentials.NewStaticV4(user.Username(), secret, ""), nil
}
