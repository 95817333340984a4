package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob/blobtest"
	"github.com/gsign/gsign/internal/esign"
)

func TestDisk(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) esign.Blobs { return newDisk(t, t.TempDir()) })
}

// scratchDisk stores with PutScratch where callers Put, so the contract
// suite checks that PutScratch keeps every promise of Put but durability.
type scratchDisk struct{ *Disk }

func (d scratchDisk) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	return d.PutScratch(ctx, key, r)
}

func TestDiskPutScratch(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) esign.Blobs { return scratchDisk{newDisk(t, t.TempDir())} })
}

// Put flushes the file and the rename; PutScratch flushes neither, except
// for the directories it creates.
func TestDiskPutScratchSkipsFsync(t *testing.T) {
	d := newDisk(t, t.TempDir())
	blobtest.MustPut(t, d, "work/env_1/a.pdf", []byte("a"))
	tests := []struct {
		name string
		put  func(context.Context, string, io.Reader) (esign.BlobInfo, error)
		want int64
	}{
		{"Put", d.Put, 2},
		{"PutScratch", d.PutScratch, 0},
	}
	for _, tc := range tests {
		before := d.fsyncs.Load()
		if _, err := tc.put(context.Background(), "work/env_1/b.pdf", strings.NewReader("b")); err != nil {
			t.Fatal(err)
		}
		if got := d.fsyncs.Load() - before; got != tc.want {
			t.Errorf("%s made %d fsyncs, want %d", tc.name, got, tc.want)
		}
	}
	before := d.fsyncs.Load()
	if _, err := d.PutScratch(context.Background(), "work/env_2/a.pdf", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	if got := d.fsyncs.Load() - before; got != 1 {
		t.Errorf("PutScratch into a new directory made %d fsyncs, want 1 (its parent)", got)
	}
}

func newDisk(t testing.TB, dir string) *Disk {
	t.Helper()
	d, err := NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Blobs are plain files at their key's path, readable by the owner only, so
// operators can back them up and inspect them.
func TestDiskLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "blobs")
	d := newDisk(t, dir)
	blobtest.MustPut(t, d, "documents/env_1/doc_1.pdf", []byte("%PDF"))
	name := filepath.Join(dir, "documents", "env_1", "doc_1.pdf")
	data, err := os.ReadFile(name)
	if err != nil || string(data) != "%PDF" {
		t.Fatalf("ReadFile(%s) = %q, %v", name, data, err)
	}
	for _, p := range []string{name, filepath.Join(dir, "documents")} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v (err %v), want no group or other access", p, fi.Mode(), err)
		}
	}
	if _, ok := blobtest.MustOpen(t, d, "documents/env_1/doc_1.pdf").(*os.File); !ok {
		t.Errorf("Open did not return an *os.File")
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temp files left after Put: %q", left)
	}
}

// Put streams: storing 20 MiB must not allocate anything near that.
func TestDiskPutStreams(t *testing.T) {
	const size = 20 << 20
	d := newDisk(t, t.TempDir())
	src := io.LimitReader(rand.NewChaCha8(blobtest.Seed(3)), size)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := d.Put(context.Background(), "big", src)
	runtime.ReadMemStats(&after)
	if err != nil || info.Size != size {
		t.Fatalf("Put = %+v, %v", info, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/8 {
		t.Errorf("Put of %d bytes allocated %d bytes", size, alloc)
	}
}

func TestDiskFailedPutLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(strings.NewReader("partial"), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, nil
	}), strings.NewReader("more"))
	if _, err := d.Put(ctx, "k", r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put canceled mid-stream returned %v", err)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temp files left after failed Put: %q", left)
	}
}

func TestDiskCleanTemp(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	blobtest.MustPut(t, d, "blob", []byte("kept"))
	old := time.Now().Add(-2 * time.Hour)
	writeFile(t, filepath.Join(dir, tmpDir, "put-crashed"), old)
	writeFile(t, filepath.Join(dir, tmpDir, "put-in-progress"), time.Now())
	writeFile(t, filepath.Join(dir, "old-blob"), old)
	if err := d.CleanTemp(time.Hour); err != nil {
		t.Fatalf("CleanTemp: %v", err)
	}
	if left := tempFiles(t, dir); len(left) != 1 || left[0] != "put-in-progress" {
		t.Errorf("temp files after CleanTemp = %q, want only the recent one", left)
	}
	for _, key := range []string{"blob", "old-blob"} {
		if _, err := d.Stat(context.Background(), key); err != nil {
			t.Errorf("CleanTemp touched a blob: Stat(%q): %v", key, err)
		}
	}
}

// Nothing Disk does may follow a symbolic link out of its directory.
func TestDiskSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret"), time.Now())
	dir := t.TempDir()
	d := newDisk(t, dir)
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Skipf("cannot create symlinks: %v", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "abs")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"out/secret", "abs"} {
		if r, err := d.Open(ctx, key); err == nil {
			r.Close()
			t.Errorf("Open(%q) followed a link out of the store", key)
		}
	}
	if _, err := d.Put(ctx, "out/planted", strings.NewReader("x")); err == nil {
		t.Errorf("Put through a link out of the store succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Put wrote outside the store (stat: %v)", err)
	}
	if infos := blobtest.MustList(t, d, ""); len(infos) != 0 {
		t.Errorf("List reported links: %+v", infos)
	}
}

// Keys are paths, so "a" and "a/b" cannot coexist on disk. The Put that would
// need both fails and leaves the existing blob alone.
func TestDiskKeyAndKeysBelow(t *testing.T) {
	tests := []struct{ first, second string }{
		{"a", "a/b"},
		{"x/y", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.first+" then "+tt.second, func(t *testing.T) {
			d := newDisk(t, t.TempDir())
			blobtest.MustPut(t, d, tt.first, []byte("first"))
			if _, err := d.Put(context.Background(), tt.second, strings.NewReader("second")); err == nil {
				t.Fatalf("Put(%q) after Put(%q) succeeded", tt.second, tt.first)
			}
			blobtest.CheckStat(t, d, tt.first, []byte("first"))
		})
	}
}

func TestDiskListSkipsTemp(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	writeFile(t, filepath.Join(dir, tmpDir, "put-x"), time.Now())
	if infos := blobtest.MustList(t, d, ""); len(infos) != 0 {
		t.Errorf("List reported temp files: %+v", infos)
	}
}

// Someone removing the temp folder does not break Put.
func TestDiskRecreatesTemp(t *testing.T) {
	dir := t.TempDir()
	d := newDisk(t, dir)
	if err := os.Remove(filepath.Join(dir, tmpDir)); err != nil {
		t.Fatal(err)
	}
	blobtest.MustPut(t, d, "k", []byte("x"))
}

func TestDiskClosed(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := d.Put(context.Background(), "k", strings.NewReader("x")); err == nil {
		t.Errorf("Put after Close succeeded")
	}
}

// tempFiles lists the names in dir's temp folder.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// writeFile creates a small file with the given modification time.
func writeFile(t *testing.T, name string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
