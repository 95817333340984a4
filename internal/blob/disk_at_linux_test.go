package blob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gsign/gsign/internal/blob/blobtest"
	"github.com/gsign/gsign/internal/esign"
)

// The os.Root path, which other platforms take for everything and Linux for
// symbolic links and removed folders, keeps the whole contract too.
func TestDiskRootOnly(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) esign.Blobs { return rootOnly(newDisk(t, t.TempDir())) })
}

// However many folders it uses, a Disk keeps at most maxOpenDirs open and
// closes every one it opened when it is closed.
func TestDiskOpenDirsBounded(t *testing.T) {
	const folders, workers = maxOpenDirs + 40, 4
	warm := newDisk(t, t.TempDir()) // the runtime's own descriptors, opened once
	blobtest.MustPut(t, warm, "a/b", []byte("x"))
	warm.Close()
	before := openFDs(t)
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < folders; i += workers {
				key := fmt.Sprintf("results/env_%d/file.pdf", i)
				if _, err := d.Put(context.Background(), key, strings.NewReader(key)); err != nil {
					t.Errorf("Put %s: %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	if n := d.dirs.cached(); n > maxOpenDirs {
		t.Errorf("%d folders open, want at most %d", n, maxOpenDirs)
	}
	for i := range folders {
		key := fmt.Sprintf("results/env_%d/file.pdf", i)
		blobtest.CheckStat(t, d, key, []byte(key))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d file descriptors open after Close, %d before NewDisk", after, before)
	}
}

// After a folder is removed and recreated behind its back, Disk drops the
// removed one and goes back to holding the live folder open.
func TestDiskReopensRecreatedFolder(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	blobtest.MustPut(t, d, "documents/env_1/a.pdf", []byte("a"))
	if err := os.RemoveAll(filepath.Join(dir, "documents")); err != nil {
		t.Fatal(err)
	}
	blobtest.MustPut(t, d, "documents/env_1/b.pdf", []byte("b")) // through os.Root
	blobtest.MustPut(t, d, "documents/env_1/c.pdf", []byte("c")) // fast again
	for _, name := range []string{"documents", "documents/env_1"} {
		h, err := d.dirs.get(name)
		if h == nil || err != nil {
			t.Fatalf("%s not cached (%v)", name, err)
		}
		if !sameFile(t, h.fd, filepath.Join(dir, name)) {
			t.Errorf("%s: the cached folder is not the one at its path", name)
		}
		d.dirs.release(h)
	}
}

// A folder that already exists when mkdirAt makes it is being made by a
// concurrent Put, which may not have flushed its parent yet: mkdirAt
// flushes it too.
func TestDiskMkdirAtExisting(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	if err := os.Mkdir(filepath.Join(dir, "made"), dirPerm); err != nil {
		t.Fatal(err)
	}
	root, err := d.dir(".", false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.dirs.release(root)
	before := d.fsyncs.Load()
	if err := d.mkdirAt(root, "made"); err != nil {
		t.Errorf("mkdirAt of an existing folder: %v", err)
	}
	if got := d.fsyncs.Load() - before; got != 1 {
		t.Errorf("mkdirAt of an existing folder made %d fsyncs, want 1", got)
	}
}

// Closing the store does not close a folder an operation is using; the
// last release does.
func TestDiskCloseWhileInUse(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := d.dir("a/b", true)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(h.fd, &st); err != nil {
		t.Errorf("folder in use closed by Close: %v", err)
	}
	d.dirs.release(h)
	if err := syscall.Fstat(h.fd, &st); err != syscall.EBADF {
		t.Errorf("folder still open after its last release: fstat = %v", err)
	}
	if _, err := d.Open(context.Background(), "a/b/c"); err == nil {
		t.Errorf("Open after Close succeeded")
	}
}

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries) - 1 // ReadDir's own
}

// sameFile reports whether the open descriptor fd and the file at name are
// the same file.
func sameFile(t *testing.T, fd int, name string) bool {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	sys := fi.Sys().(*syscall.Stat_t)
	return st.Dev == sys.Dev && st.Ino == sys.Ino
}
