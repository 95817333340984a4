package blob

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob/blobtest"
	"github.com/gsign/gsign/internal/esign"
)

// Folders removed behind the store's back, here by an operator while
// another process keeps using the store, are recreated by the next Put, and
// blobs another process put into the new folder are found: a folder the
// store held open before must not hide them.
func TestDiskFolderRemovedBehindItsBack(t *testing.T) {
	dir := t.TempDir()
	d, other := newDisk(t, dir), newDisk(t, dir)
	blobtest.MustPut(t, d, "documents/env_1/a.pdf", []byte("a"))
	blobtest.MustPut(t, d, "documents/env_2/a.pdf", []byte("a"))
	for _, sub := range []string{"documents/env_1", "documents"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			t.Fatal(err)
		}
		blobtest.MustPut(t, other, "documents/env_1/b.pdf", []byte("b"))
		if got := blobtest.MustRead(t, d, "documents/env_1/b.pdf"); string(got) != "b" {
			t.Errorf("after removing %s: read %q, want the other process's blob", sub, got)
		}
		if _, err := d.Open(context.Background(), "documents/env_1/a.pdf"); esign.ErrorKind(err) != esign.KindNotFound {
			t.Errorf("after removing %s: Open of a removed blob = %v, want not found", sub, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "documents")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"documents/env_2/c.pdf", "documents/env_3/c.pdf", "documents/env_2/d.pdf"} {
		blobtest.MustPut(t, d, key, []byte(key))
		blobtest.CheckStat(t, other, key, []byte(key))
	}
}

// The temp folder removed while the store holds it open, after a Put, is
// recreated by the next one.
func TestDiskTempRemovedAfterUse(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	for i := range 3 {
		key := fmt.Sprintf("k%d", i)
		blobtest.MustPut(t, d, key, []byte(key))
		if err := os.RemoveAll(filepath.Join(dir, tmpDir)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		key := fmt.Sprintf("k%d", i)
		blobtest.CheckStat(t, d, key, []byte(key))
	}
}

// Concurrent Puts into one new folder all land, each durable: the folder
// is created once and its parent flushed before any of them returns.
func TestDiskConcurrentPutsIntoNewFolder(t *testing.T) {
	const puts = 16
	d := newDisk(t, t.TempDir())
	var wg sync.WaitGroup
	for i := range puts {
		wg.Go(func() {
			key := fmt.Sprintf("results/env_1/file_%d.pdf", i)
			if _, err := d.Put(context.Background(), key, strings.NewReader(key)); err != nil {
				t.Errorf("Put %s: %v", key, err)
			}
		})
	}
	wg.Wait()
	if infos := blobtest.MustList(t, d, "results/env_1/"); len(infos) != puts {
		t.Fatalf("List after %d concurrent Puts = %d blobs", puts, len(infos))
	}
	// Two folders made (results, results/env_1), each with its parent
	// fsynced at least once, and a file and its folder for every Put.
	if got, want := d.fsyncs.Load(), int64(2+2*puts); got < want {
		t.Errorf("%d fsyncs, want at least %d", got, want)
	}
}

// A Put into a new folder flushes the parent of every folder it creates,
// the file and the folder the file went into.
func TestDiskPutNewFolderFsyncs(t *testing.T) {
	d := newDisk(t, t.TempDir())
	tests := []struct {
		key  string
		want int64
	}{
		{"a/b/c", 4}, // ".", "a", c, "a/b"
		{"a/b/d", 2},
		{"a/e/f", 3},
		{"top", 2},
	}
	for _, tc := range tests {
		before := d.fsyncs.Load()
		blobtest.MustPut(t, d, tc.key, []byte(tc.key))
		if got := d.fsyncs.Load() - before; got != tc.want {
			t.Errorf("Put %s made %d fsyncs, want %d", tc.key, got, tc.want)
		}
	}
}

// Keys that reach out of the store through a symbolic link fail with
// os.Root's own error, whichever way Disk resolves them.
func TestDiskEscapeError(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret"), time.Now())
	dir := t.TempDir()
	d := newDisk(t, dir)
	blobtest.MustPut(t, d, "in/blob", []byte("x"))
	for link, target := range map[string]string{"out": outside, "in/up": "../..", "abs": filepath.Join(outside, "secret")} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("cannot create symlinks: %v", err)
		}
	}
	escape := escapeError(t, dir)
	ctx := context.Background()
	open := func(key string) error { _, err := d.Open(ctx, key); return err }
	put := func(key string) error { _, err := d.Put(ctx, key, strings.NewReader("x")); return err }
	for _, key := range []string{"out/secret", "abs", "in/up/etc/passwd"} {
		if err := open(key); !errors.Is(err, escape) {
			t.Errorf("Open(%q) = %v, want %v", key, err, escape)
		}
	}
	for _, key := range []string{"out/planted", "out/new/deep", "in/up/planted"} {
		if err := put(key); !errors.Is(err, escape) {
			t.Errorf("Put(%q) = %v, want %v", key, err, escape)
		}
	}
	for _, key := range []string{"../x", "in/../../x", "/etc/passwd"} {
		if err := put(key); esign.ErrorKind(err) != esign.KindInvalid {
			t.Errorf("Put(%q) = %v, want an invalid key", key, err)
		}
	}
}

// escapeError is the error os.Root gives for a path that leaves it.
func escapeError(t *testing.T, dir string) error {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, err = root.Open("out/secret")
	var pe *os.PathError
	if !errors.As(err, &pe) {
		t.Fatalf("os.Root opened a path out of itself: %v", err)
	}
	return pe.Err
}

// Symbolic links that stay inside the store are followed, as os.Root
// follows them: for a folder on the way and for the blob itself.
func TestDiskLinksInside(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	blobtest.MustPut(t, d, "documents/env_1/a.pdf", []byte("a"))
	if err := os.Symlink("documents", filepath.Join(dir, "docs")); err != nil {
		t.Skipf("cannot create symlinks: %v", err)
	}
	if err := os.Symlink("a.pdf", filepath.Join(dir, "documents", "env_1", "link.pdf")); err != nil {
		t.Fatal(err)
	}
	blobtest.MustPut(t, d, "docs/env_1/b.pdf", []byte("b"))
	blobtest.MustPut(t, d, "docs/env_2/c.pdf", []byte("c"))
	for key, want := range map[string]string{
		"documents/env_1/b.pdf": "b", "documents/env_2/c.pdf": "c",
		"docs/env_1/a.pdf": "a", "documents/env_1/link.pdf": "a", "docs/env_1/link.pdf": "a",
	} {
		if got := blobtest.MustRead(t, d, key); string(got) != want {
			t.Errorf("read %s = %q, want %q", key, got, want)
		}
	}
}

// rootOnly makes d go through its os.Root for everything, as it does on
// platforms without the dirCache.
func rootOnly(d *Disk) *Disk {
	d.dirs.close()
	d.dirs = nil
	return d
}
