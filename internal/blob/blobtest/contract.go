// Package blobtest is the contract test suite for esign.Blobs: every blob
// store (Disk, Memory, S3) runs Run against fresh instances of itself, so all
// of them keep the same key rules, errors and atomicity.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// Run checks the contract every esign.Blobs implementation must meet.
// newStore returns a new, empty store each time it is called; it registers
// any cleanup with t. The subtests run in parallel, each on its own store.
func Run(t *testing.T, newStore func(t *testing.T) esign.Blobs) {
	tests := []struct {
		name string
		run  func(t *testing.T, s esign.Blobs)
	}{
		{"round trip", testRoundTrip},
		{"overwrite", testOverwrite},
		{"stored bytes are a copy", testStoredCopy},
		{"missing", testMissing},
		{"delete is idempotent", testDelete},
		{"list", testList},
		{"list stops on error", testListStops},
		{"list callback may modify the store", testListModify},
		{"invalid keys rejected", testInvalidKeys},
		{"unusual valid keys", testValidKeys},
		{"failed put changes nothing", testPutFailure},
		{"canceled context", testCanceled},
		{"concurrent use", testConcurrent},
		{"large blob", testLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}

func testRoundTrip(t *testing.T, s esign.Blobs) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("%PDF-1.7 hello")},
		{"binary", []byte{0, 1, 2, 0xff, 0, '\n', '\r'}},
		{"one MiB", deterministic(1, 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "documents/env_1/" + strings.ReplaceAll(tt.name, " ", "_") + ".pdf"
			info := MustPut(t, s, key, tt.data)
			want := esign.BlobInfo{Key: key, Size: int64(len(tt.data)), SHA256: SHA256Hex(tt.data)}
			if info != want {
				t.Errorf("Put = %+v, want %+v", info, want)
			}
			CheckStat(t, s, key, tt.data)
			if got := MustRead(t, s, key); !bytes.Equal(got, tt.data) {
				t.Errorf("read %d bytes, want %d bytes %q...", len(got), len(tt.data), head(tt.data))
			}
			checkSeek(t, s, key, tt.data)
		})
	}
}

// checkSeek checks that the reader Open returns can seek back and reread.
func checkSeek(t *testing.T, s esign.Blobs, key string, data []byte) {
	t.Helper()
	r := MustOpen(t, s, key)
	defer r.Close()
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	off := int64(len(data) / 2)
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		t.Fatalf("seek %s: %v", key, err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(rest, data[off:]) {
		t.Errorf("after seek to %d read %d bytes (err %v), want %d", off, len(rest), err, len(data)-int(off))
	}
}

func testOverwrite(t *testing.T, s esign.Blobs) {
	MustPut(t, s, "results/r.pdf", []byte("a long first version"))
	MustPut(t, s, "results/r.pdf", []byte("v2"))
	if got := MustRead(t, s, "results/r.pdf"); string(got) != "v2" {
		t.Errorf("after overwrite read %q, want %q", got, "v2")
	}
	CheckStat(t, s, "results/r.pdf", []byte("v2"))
}

func testStoredCopy(t *testing.T, s esign.Blobs) {
	buf := []byte("original")
	MustPut(t, s, "k", buf)
	copy(buf, "mutated!")
	got := MustRead(t, s, "k")
	if string(got) != "original" {
		t.Fatalf("read %q after caller changed its buffer, want %q", got, "original")
	}
	copy(got, "mutated!")
	if got := MustRead(t, s, "k"); string(got) != "original" {
		t.Errorf("read %q after caller changed what it read, want %q", got, "original")
	}
}

func testMissing(t *testing.T, s esign.Blobs) {
	ctx := context.Background()
	MustPut(t, s, "dir/blob", []byte("x"))
	open := func(key string) error { _, err := s.Open(ctx, key); return err }
	stat := func(key string) error { _, err := s.Stat(ctx, key); return err }
	for _, key := range []string{"nope", "dir/nope", "dir", "dir/blob/below", "other/dir/deep"} {
		for op, call := range map[string]func(string) error{"Open": open, "Stat": stat} {
			t.Run(op+" "+key, func(t *testing.T) {
				err := call(key)
				wantError(t, err, esign.KindNotFound, esign.CodeNotFound)
				if !strings.Contains(err.Error(), key) {
					t.Errorf("%s(%q) error %q does not name the key", op, key, err)
				}
			})
		}
	}
}

func testDelete(t *testing.T, s esign.Blobs) {
	ctx := context.Background()
	MustPut(t, s, "signatures/e/s.png", []byte("png"))
	for i := range 2 {
		if err := s.Delete(ctx, "signatures/e/s.png"); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	_, err := s.Open(ctx, "signatures/e/s.png")
	wantError(t, err, esign.KindNotFound, esign.CodeNotFound)
	for _, key := range []string{"never/was", "signatures", "signatures/e"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) of a missing key: %v", key, err)
		}
	}
	MustPut(t, s, "dir/kept", []byte("x"))
	if err := s.Delete(ctx, "dir"); err != nil {
		t.Errorf(`Delete("dir") with "dir/kept" stored: %v`, err)
	}
	CheckStat(t, s, "dir/kept", []byte("x"))
}

func testList(t *testing.T, s esign.Blobs) {
	// Byte order puts "-" and "." before "/": a naive directory walk
	// would report "a/1" before "a-c".
	keys := []string{"b/2", "a/1", "a-c", "a.txt", "a/b/c", "ab", "a/10", "a/2"}
	for _, k := range keys {
		MustPut(t, s, k, []byte(k))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a-c", "a.txt", "a/1", "a/10", "a/2", "a/b/c", "ab", "b/2"}},
		{"a", []string{"a-c", "a.txt", "a/1", "a/10", "a/2", "a/b/c", "ab"}},
		{"a/", []string{"a/1", "a/10", "a/2", "a/b/c"}},
		{"a/1", []string{"a/1", "a/10"}},
		{"a/b/", []string{"a/b/c"}},
		{"b/2", []string{"b/2"}},
		{"a/1/", nil},
		{"c", nil},
		{"zz/yy/", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("prefix %q", tt.prefix), func(t *testing.T) {
			infos := MustList(t, s, tt.prefix)
			var got []string
			for _, info := range infos {
				got = append(got, info.Key)
				checkInfo(t, info, []byte(info.Key))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}

func testListStops(t *testing.T, s esign.Blobs) {
	for _, k := range []string{"x/1", "x/2", "x/3"} {
		MustPut(t, s, k, []byte(k))
	}
	errStop := errors.New("stop")
	var seen []string
	err := s.List(context.Background(), "x/", func(info esign.BlobInfo) error {
		seen = append(seen, info.Key)
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Errorf("List returned %v, want the callback's error", err)
	}
	if !slices.Equal(seen, []string{"x/1"}) {
		t.Errorf("List called back for %q after an error, want only x/1", seen)
	}
}

func testListModify(t *testing.T, s esign.Blobs) {
	ctx := context.Background()
	for _, k := range []string{"tmpdocs/1", "tmpdocs/2"} {
		MustPut(t, s, k, []byte(k))
	}
	err := s.List(ctx, "tmpdocs/", func(info esign.BlobInfo) error {
		return s.Delete(ctx, info.Key)
	})
	if err != nil {
		t.Fatalf("List deleting each blob: %v", err)
	}
	if left := MustList(t, s, ""); len(left) != 0 {
		t.Errorf("after deleting while listing, List = %+v, want nothing", left)
	}
}

func testInvalidKeys(t *testing.T, s esign.Blobs) {
	ctx := context.Background()
	keys := []string{
		"", "../x", "/abs", "a//b", "a/../../b", `a\b`, `..\x`, "a/./b", ".", "..", "a/", "a/..",
		"a\x00b", "a\nb", "\xff", ".tmp/x", ".tmp", strings.Repeat("k", 1025),
		"a/" + strings.Repeat("s", 256),
	}
	ops := map[string]func(key string) error{
		"Put":    func(key string) error { _, err := s.Put(ctx, key, strings.NewReader("x")); return err },
		"Open":   func(key string) error { _, err := s.Open(ctx, key); return err },
		"Stat":   func(key string) error { _, err := s.Stat(ctx, key); return err },
		"Delete": func(key string) error { return s.Delete(ctx, key) },
	}
	for _, key := range keys {
		for name, op := range ops {
			t.Run(fmt.Sprintf("%s %.40q", name, key), func(t *testing.T) {
				wantError(t, op(key), esign.KindInvalid, esign.CodeValidation)
			})
		}
	}
	for _, prefix := range []string{"../", "/", "a//", `a\`, ".tmp/", "a/../"} {
		err := s.List(ctx, prefix, func(esign.BlobInfo) error { return nil })
		wantError(t, err, esign.KindInvalid, esign.CodeValidation)
	}
	if left := MustList(t, s, ""); len(left) != 0 {
		t.Errorf("after rejected Puts, List = %+v, want nothing", left)
	}
}

func testValidKeys(t *testing.T, s esign.Blobs) {
	keys := []string{
		"a..b", "..a", "a/.hidden", "a/.tmp", "dir.tmp/x", "ünï/ключ.pdf", "with space/file name.pdf",
		strings.Repeat("s", 255),
		strings.Repeat(strings.Repeat("d", 255)+"/", 3) + strings.Repeat("e", 254) + "/f", // 1024 bytes
	}
	for _, key := range keys {
		t.Run(fmt.Sprintf("%.40q", key), func(t *testing.T) {
			MustPut(t, s, key, []byte(key))
			if got := MustRead(t, s, key); string(got) != key {
				t.Errorf("read %q, want %q", got, key)
			}
		})
	}
}

func testPutFailure(t *testing.T, s esign.Blobs) {
	ctx := context.Background()
	errBoom := errors.New("connection reset")
	failing := func() io.Reader { return io.MultiReader(strings.NewReader("partial"), errReader{errBoom}) }
	MustPut(t, s, "k", []byte("old"))
	if _, err := s.Put(ctx, "k", failing()); !errors.Is(err, errBoom) {
		t.Errorf("Put with a failing reader returned %v, want the reader's error", err)
	}
	if got := MustRead(t, s, "k"); string(got) != "old" {
		t.Errorf("after failed overwrite read %q, want %q", got, "old")
	}
	if _, err := s.Put(ctx, "new", failing()); !errors.Is(err, errBoom) {
		t.Errorf("Put with a failing reader returned %v, want the reader's error", err)
	}
	_, err := s.Stat(ctx, "new")
	wantError(t, err, esign.KindNotFound, esign.CodeNotFound)
}

func testCanceled(t *testing.T, s esign.Blobs) {
	MustPut(t, s, "k", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ops := map[string]func() error{
		"Put":    func() error { _, err := s.Put(ctx, "new", strings.NewReader("x")); return err },
		"Open":   func() error { _, err := s.Open(ctx, "k"); return err },
		"Stat":   func() error { _, err := s.Stat(ctx, "k"); return err },
		"Delete": func() error { return s.Delete(ctx, "k") },
		"List":   func() error { return s.List(ctx, "", func(esign.BlobInfo) error { return nil }) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context returned %v, want context.Canceled", name, err)
		}
	}
	CheckStat(t, s, "k", []byte("x"))
	if _, err := s.Stat(context.Background(), "new"); !esign.IsKind(err, esign.KindNotFound) {
		t.Errorf("Put with a canceled context stored a blob (Stat error %v)", err)
	}
}

// testConcurrent runs writers to distinct keys, writers racing on one key and
// readers of that key at once. Run with -race. Readers must always see one
// writer's complete blob.
func testConcurrent(t *testing.T, s esign.Blobs) {
	const writers, rounds = 8, 10
	ctx := context.Background()
	version := func(w int) []byte { return bytes.Repeat([]byte{byte('A' + w)}, 32<<10+w) }
	MustPut(t, s, "shared", version(0))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				key := fmt.Sprintf("own/%d", w)
				if _, err := s.Put(ctx, key, strings.NewReader(fmt.Sprint(i))); err != nil {
					t.Errorf("Put %s: %v", key, err)
				}
				if _, err := s.Put(ctx, "shared", bytes.NewReader(version(w))); err != nil {
					t.Errorf("Put shared: %v", err)
				}
			}
		})
		wg.Go(func() {
			for range rounds {
				checkOneVersion(t, s, version)
			}
		})
	}
	wg.Wait()
	for w := range writers {
		if got := MustRead(t, s, fmt.Sprintf("own/%d", w)); string(got) != fmt.Sprint(rounds-1) {
			t.Errorf("own/%d = %q, want %q", w, got, fmt.Sprint(rounds-1))
		}
	}
	checkOneVersion(t, s, version)
}

// checkOneVersion reads "shared" and checks it is exactly one writer's blob.
// It reports with Errorf, so it may run on any goroutine.
func checkOneVersion(t *testing.T, s esign.Blobs, version func(int) []byte) {
	r, err := s.Open(context.Background(), "shared")
	if err != nil {
		t.Errorf("Open shared: %v", err)
		return
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || len(got) == 0 {
		t.Errorf("read shared: %d bytes, %v", len(got), err)
		return
	}
	if w := int(got[0] - 'A'); w < 0 || !bytes.Equal(got, version(w)) {
		t.Errorf("read a torn blob: %d bytes starting %q", len(got), head(got))
	}
}

// testLarge streams a 20 MiB blob in and out without holding it in the test.
func testLarge(t *testing.T, s esign.Blobs) {
	const size = 20 << 20
	info, err := s.Put(context.Background(), "results/big.pdf", io.LimitReader(rand.NewChaCha8(Seed(7)), size))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(rand.NewChaCha8(Seed(7)), size)); err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if info.Size != size || info.SHA256 != want {
		t.Errorf("Put = %+v, want size %d sha256 %s", info, size, want)
	}
	r := MustOpen(t, s, "results/big.pdf")
	defer r.Close()
	h.Reset()
	n, err := io.Copy(h, r)
	if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != want {
		t.Errorf("read back %d bytes (err %v) with a different hash", n, err)
	}
}
