package blob

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

var (
	_ esign.Blobs        = (*Disk)(nil)
	_ esign.ScratchBlobs = (*Disk)(nil)
)

// Permissions for what Disk creates: blobs are signed documents, readable by
// the GSign user only.
const (
	dirPerm  = 0o700
	filePerm = 0o600
)

// Disk stores blobs as files in one directory tree, one file per key. All
// access goes through an os.Root, so no key and no symbolic link can reach
// outside the directory.
//
// Put writes to a temp file under ".tmp/", fsyncs it, renames it into place
// and fsyncs the parent directory: after a crash a key holds either its old
// blob, the new one or nothing, never a partial file. Leftover temp files
// from crashed writes are removed by CleanTemp. PutScratch skips the
// fsyncs, for files that are rebuilt after a crash.
//
// Stat and List report sizes but leave BlobInfo.SHA256 empty: the hash is
// known only while writing, and hashing on every Stat would read the whole
// file. Callers that need it keep the hash Put returned, or compute it via Open.
//
// Because keys are file paths, "a" and "a/b" cannot both exist; a Put that
// would need both fails. Delete leaves emptied directories behind; they are
// harmless and List ignores them.
//
// Disk is safe for concurrent use, also by several processes sharing the
// directory. Concurrent Puts to one key each write their own temp file; the
// last rename wins and readers see one complete blob or the other.
//
// On Linux, Disk keeps the folders it uses open (dirCache) and names files
// relative to them, a system call per step instead of a walk from the root
// for each; anything unusual on the way (a symbolic link, a folder removed
// behind its back) it redoes through the os.Root.
type Disk struct {
	root   *os.Root
	dirs   *dirCache    // nil where the platform has no fast path
	fsyncs atomic.Int64 // how many fsyncs it made, for tests
}

// errSlowPath tells Disk to redo an operation through its os.Root: the
// fast path, which works on open folders, met something it leaves to
// os.Root, or the platform has none.
var errSlowPath = errors.New("blob: use the os.Root path")

// tempFile is a Put's temp file: name is its path from the root
// (".tmp/put-…"); dir, on the fast path, its open folder.
type tempFile struct {
	name string
	dir  *dirFD
}

func newTempFile() tempFile {
	return tempFile{name: path.Join(tmpDir, "put-"+rand.Text())}
}

// NewDisk opens (creating it if needed) the directory dir as a blob store.
// Close releases it.
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	if err := root.MkdirAll(tmpDir, dirPerm); err != nil {
		root.Close()
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	dirs, err := openDirCache(root)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return &Disk{root: root, dirs: dirs}, nil
}

// Close releases the directory. Using d afterwards returns errors.
func (d *Disk) Close() error {
	d.dirs.close()
	if err := d.root.Close(); err != nil {
		return fmt.Errorf("close blob store: %w", err)
	}
	return nil
}

// Put stores r under key, replacing any blob there. It streams r to disk,
// hashing as it goes, so blobs of any size use constant memory.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	info, err := d.put(ctx, key, r, true)
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("put blob %q: %w", key, err)
	}
	return info, nil
}

// PutScratch stores r under key like Put, without flushing the file or
// the rename to stable storage: two fsyncs fewer for a file that is
// rebuilt if the machine crashes (esign.ScratchBlobs). Readers still see
// a complete blob or none, since the rename comes after the last write;
// only a power failure can leave it empty or partial. Directories it
// creates are made durable as for Put, since durable blobs may later go
// into them.
func (d *Disk) PutScratch(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	info, err := d.put(ctx, key, r, false)
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("put scratch blob %q: %w", key, err)
	}
	return info, nil
}

func (d *Disk) put(ctx context.Context, key string, r io.Reader, durable bool) (esign.BlobInfo, error) {
	if err := validKey(key); err != nil {
		return esign.BlobInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return esign.BlobInfo{}, err
	}
	t, f, err := d.createTemp()
	if err != nil {
		return esign.BlobInfo{}, err
	}
	defer d.releaseTemp(t)
	info, err := d.write(f, ctxReader{ctx, r}, durable)
	if err == nil {
		err = d.commit(t, key, durable)
	}
	if err != nil {
		if d.removeTempAt(t) == errSlowPath {
			d.root.Remove(t.name)
		}
		return esign.BlobInfo{}, err
	}
	info.Key = key
	return info, nil
}

// createTemp creates a new, uniquely named file in the temp folder,
// recreating the folder if someone removed it.
func (d *Disk) createTemp() (tempFile, *os.File, error) {
	if t, f, err := d.createTempAt(); err != errSlowPath {
		return t, f, err
	}
	t := newTempFile()
	f, err := d.root.OpenFile(t.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if errors.Is(err, fs.ErrNotExist) {
		if err := d.root.MkdirAll(tmpDir, dirPerm); err != nil {
			return tempFile{}, nil, err
		}
		f, err = d.root.OpenFile(t.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	}
	return t, f, err
}

// write copies r into f while hashing it, flushes f to stable storage if
// durable, and closes it.
func (d *Disk) write(f *os.File, r io.Reader, durable bool) (esign.BlobInfo, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil && durable {
		d.fsyncs.Add(1)
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return esign.BlobInfo{}, err
	}
	return esign.BlobInfo{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// commit moves the finished temp file to key and, if durable, makes the
// rename durable.
func (d *Disk) commit(t tempFile, key string, durable bool) error {
	if err := d.commitAt(t, key, durable); err != errSlowPath {
		return err
	}
	dir := path.Dir(key)
	if err := d.mkdirs(dir); err != nil {
		return err
	}
	if err := d.root.Rename(t.name, key); err != nil || !durable {
		return err
	}
	return d.syncDir(dir)
}

// mkdirs creates dir and any missing parents, fsyncing the parent of each
// directory it creates so the path to a new blob survives a crash too.
func (d *Disk) mkdirs(dir string) error {
	if fi, err := d.root.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	for i := 0; i <= len(dir); i++ {
		if i < len(dir) && dir[i] != '/' {
			continue
		}
		err := d.root.Mkdir(dir[:i], dirPerm)
		if err == nil {
			err = d.syncDir(path.Dir(dir[:i]))
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// fullName is the file name of key (or another path from the root), as
// os.Root names the files it opens.
func (d *Disk) fullName(key string) string {
	return filepath.Join(d.root.Name(), filepath.FromSlash(key))
}

// syncDir fsyncs a directory so the entries just added to or removed from it
// are on stable storage.
func (d *Disk) syncDir(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	d.fsyncs.Add(1)
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open returns the blob as an *os.File; a missing key gives an esign error of
// KindNotFound.
func (d *Disk) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	f, err := d.open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("open blob %q: %w", key, err)
	}
	return f, nil
}

func (d *Disk) open(ctx context.Context, key string) (*os.File, error) {
	if err := checkKey(ctx, key); err != nil {
		return nil, err
	}
	f, err := d.openFileAt(key)
	if err == errSlowPath {
		f, err = d.root.Open(key)
	}
	if err != nil {
		return nil, notFound(err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, notFound(cmp.Or(err, fs.ErrNotExist))
	}
	return f, nil
}

// Stat returns the blob's key and size. SHA256 is left empty; see Disk.
func (d *Disk) Stat(ctx context.Context, key string) (esign.BlobInfo, error) {
	if err := checkKey(ctx, key); err != nil {
		return esign.BlobInfo{}, fmt.Errorf("stat blob %q: %w", key, err)
	}
	fi, err := d.root.Stat(key)
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return esign.BlobInfo{}, fmt.Errorf("stat blob %q: %w", key, notFound(err))
	}
	return esign.BlobInfo{Key: key, Size: fi.Size()}, nil
}

// Delete removes the blob. A missing key, or a key that names a directory of
// other blobs, is not an error and changes nothing.
func (d *Disk) Delete(ctx context.Context, key string) error {
	if err := d.delete(ctx, key); err != nil {
		return fmt.Errorf("delete blob %q: %w", key, err)
	}
	return nil
}

func (d *Disk) delete(ctx context.Context, key string) error {
	if err := checkKey(ctx, key); err != nil {
		return err
	}
	fi, err := d.root.Lstat(key)
	if err == nil && fi.IsDir() {
		return nil
	}
	if err == nil {
		err = d.root.Remove(key)
	}
	if err != nil {
		return ignoreNotFound(err)
	}
	return d.syncDir(path.Dir(key))
}

// CleanTemp removes temp files left by writes that crashed, those not
// modified for olderThan. A write in progress modifies its temp file as data
// arrives, so olderThan must exceed the longest pause expected in an upload;
// an hour is generous.
func (d *Disk) CleanTemp(olderThan time.Duration) error {
	entries, err := d.readDir(tmpDir)
	if isNotExist(err) {
		return nil // removed by hand; Put recreates it
	}
	if err != nil {
		return fmt.Errorf("clean blob temp files: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, e := range entries {
		if err := d.removeIfOlder(path.Join(tmpDir, e.Name()), cutoff); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean blob temp files: %w", err)
	}
	return nil
}

// removeIfOlder removes the regular file name if it was last modified before
// cutoff. A file already gone is fine: another process cleaned it.
func (d *Disk) removeIfOlder(name string, cutoff time.Time) error {
	fi, err := d.root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || !fi.ModTime().Before(cutoff) {
		return ignoreNotFound(err)
	}
	return ignoreNotFound(d.root.Remove(name))
}

// ignoreNotFound drops "does not exist" errors, for operations whose goal is
// that something does not exist.
func ignoreNotFound(err error) error {
	if isNotExist(err) {
		return nil
	}
	return err
}
