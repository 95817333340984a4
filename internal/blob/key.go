// Package blob stores GSign's immutable files (documents, signature images,
// results): Disk keeps them in a directory confined by os.Root, S3 in a
// bucket of Amazon S3 or MinIO, Memory in a map for tests. All implement
// esign.Blobs and pass the same contract tests (package blobtest); OpenURL
// picks Disk or S3 from the GSIGN_BLOB_URL setting.
package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/gsign/gsign/internal/esign"
)

// Key limits. They match what S3 accepts (1024 bytes of UTF-8) and what common
// file systems accept per path segment (255 bytes), so a key valid for one
// store is valid for all of them.
const (
	maxKeyLen     = 1024
	maxSegmentLen = 255
)

// tmpDir is the top-level folder where Disk writes blobs before renaming them
// into place. Keys may not start with it, in any store, so every store accepts
// the same keys.
const tmpDir = ".tmp"

// validKey reports whether key is a slash-separated relative path that names
// nothing outside the store: no "." or ".." segments, no empty segments (so no
// leading, trailing or doubled slashes), no backslashes, no NUL or other
// control characters, and not inside the temp folder.
func validKey(key string) error {
	if msg := keyProblem(key); msg != "" {
		return esign.Invalid("key", msg)
	}
	return nil
}

// checkKey validates key and gives up early on a done context.
func checkKey(ctx context.Context, key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	return ctx.Err()
}

// validPrefix reports whether prefix can begin a valid key. A prefix need not
// end at a segment boundary: "documents/env_1/doc" matches
// "documents/env_1/doc_2.pdf".
func validPrefix(prefix string) error {
	if msg := keyProblem(prefix + "x"); msg != "" {
		return esign.Invalid("prefix", msg)
	}
	return nil
}

// keyProblem describes what is wrong with key, or returns "" if nothing is.
func keyProblem(key string) string {
	switch {
	case key == "":
		return "must not be empty"
	case len(key) > maxKeyLen:
		return "must be at most 1024 bytes"
	case !utf8.ValidString(key):
		return "must be valid UTF-8"
	case strings.ContainsFunc(key, unicode.IsControl):
		return "must not contain NUL or other control characters"
	case strings.Contains(key, `\`):
		return "must not contain backslashes"
	case strings.HasPrefix(key, "/"):
		return "must be a relative path"
	}
	return segmentProblem(strings.Split(key, "/"))
}

// segmentProblem checks the slash-separated parts of a key.
func segmentProblem(segs []string) string {
	if segs[0] == tmpDir {
		return "must not start with the reserved folder " + tmpDir
	}
	for _, s := range segs {
		switch {
		case s == "":
			return "must not contain empty path segments"
		case s == "." || s == "..":
			return `must not contain "." or ".." path segments`
		case len(s) > maxSegmentLen:
			return "path segments must be at most 255 bytes"
		}
	}
	return ""
}

// notFound turns the file system's "no such file" into esign's not-found
// error and passes any other error through.
func notFound(err error) error {
	if isNotExist(err) {
		return esign.NotFound("blob")
	}
	return err
}

// isNotExist reports whether err says a path does not exist. ENOTDIR counts:
// it is what asking for "a/b" gives when "a" is a blob.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ctxReader stops a long Put when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
