package blob

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// List calls fn for every blob whose key starts with prefix, in byte order of
// the keys, and returns fn's first error unchanged. It walks only the
// directory the prefix points into, not the whole store. SHA256 is left
// empty; see Disk. Blobs put or deleted during the walk may or may not be
// reported.
func (d *Disk) List(ctx context.Context, prefix string, fn func(esign.BlobInfo) error) error {
	if err := validPrefix(prefix); err != nil {
		return fmt.Errorf("list blobs %q: %w", prefix, err)
	}
	dir, base := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir, base = prefix[:i], prefix[i+1:]
	}
	return d.walk(ctx, dir, base, fn)
}

// walk reports the blobs in dir (a key prefix ending at a segment boundary,
// "" for the top) and below whose next path segment starts with base.
//
// Entries are sorted with a "/" appended to directory names, so that the
// depth-first walk yields keys in byte order: "a-b" < "a.txt" < "a/c".
func (d *Disk) walk(ctx context.Context, dir, base string, fn func(esign.BlobInfo) error) error {
	entries, err := d.readDir(cmp.Or(dir, "."))
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list blobs in %q: %w", dir, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(sortName(a), sortName(b)) })
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list blobs in %q: %w", dir, err)
		}
		if !strings.HasPrefix(e.Name(), base) || (dir == "" && e.Name() == tmpDir) {
			continue
		}
		if err := d.visit(ctx, path.Join(dir, e.Name()), e, fn); err != nil {
			return err
		}
	}
	return nil
}

// visit descends into a directory or reports a regular file. Anything else
// (symbolic links, devices) is not a blob Disk wrote and is skipped.
func (d *Disk) visit(ctx context.Context, key string, e fs.DirEntry, fn func(esign.BlobInfo) error) error {
	if e.IsDir() {
		return d.walk(ctx, key, "", fn)
	}
	if !e.Type().IsRegular() {
		return nil
	}
	fi, err := d.root.Lstat(key)
	if isNotExist(err) {
		return nil // deleted since the directory was read
	}
	if err != nil {
		return fmt.Errorf("list blobs: stat %q: %w", key, err)
	}
	return fn(esign.BlobInfo{Key: key, Size: fi.Size()})
}

// readDir returns the entries of a directory in the root, unsorted.
func (d *Disk) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := d.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// sortName is the name an entry sorts by: directories as if their name ended
// in "/", the separator that follows it in every key below.
func sortName(e fs.DirEntry) string {
	if e.IsDir() {
		return e.Name() + "/"
	}
	return e.Name()
}
