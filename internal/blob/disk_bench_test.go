package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
)

// benchBlob is about the size of a small sealed result; large enough to
// need a real write, small enough that system calls, not copying, dominate.
var benchBlob = bytes.Repeat([]byte("%PDF-1.7 gsign "), 16<<10/15)

// BenchmarkDiskPut stores blobs the way an envelope does: the first into a
// directory of its own (new-dir, like documents/env_N/doc.pdf), the rest
// next to each other (same-dir, like results/env_N/*), and intermediate
// files with PutScratch (scratch, like work/env_N/*), whose lack of fsyncs
// lays bare the cost of the other system calls. System calls per op, the
// cost that matters on a VM, are counted by running a fixed number of ops
// under strace:
//
//	go test -c -o /tmp/blob.test ./internal/blob
//	strace -c -f /tmp/blob.test -test.run '^$' -test.bench 'BenchmarkDisk' -test.benchtime 2000x
func BenchmarkDiskPut(b *testing.B) {
	sameDir := func(i int) string { return fmt.Sprintf("results/env_1/file_%d.pdf", i) }
	newDir := func(i int) string { return fmt.Sprintf("documents/env_%d/doc_1.pdf", i) }
	benchWays(b, "same-dir", func(b *testing.B, d *Disk) { benchPut(b, d, (*Disk).Put, sameDir) })
	benchWays(b, "new-dir", func(b *testing.B, d *Disk) { benchPut(b, d, (*Disk).Put, newDir) })
	benchWays(b, "scratch", func(b *testing.B, d *Disk) { benchPut(b, d, (*Disk).PutScratch, sameDir) })
}

// benchWays runs bench on a new Disk as it is (dircache) and on one that
// goes through its os.Root for everything (os.Root), the path other
// platforms take. Run one after the other, the two meet the same load on
// the machine and the same state of the file system, which on this VM
// sways a create by a factor of ten: ext4 without a journal skips
// recently deleted inodes, and each benchmark deletes what it made.
func benchWays(b *testing.B, name string, bench func(*testing.B, *Disk)) {
	b.Run(name+"/dircache", func(b *testing.B) { bench(b, newDisk(b, b.TempDir())) })
	b.Run(name+"/os.Root", func(b *testing.B) { bench(b, rootOnly(newDisk(b, b.TempDir()))) })
}

func benchPut(b *testing.B, d *Disk, put func(*Disk, context.Context, string, io.Reader) (esign.BlobInfo, error), key func(int) string) {
	ctx := context.Background()
	b.SetBytes(int64(len(benchBlob)))
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	i := 0
	for b.Loop() {
		if _, err := put(d, ctx, key(i), bytes.NewReader(benchBlob)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	stop()
}

// BenchmarkDiskOpen opens, reads and closes a blob, as finalizing an
// envelope reads its documents.
func BenchmarkDiskOpen(b *testing.B) {
	benchWays(b, "open", benchOpen)
}

func benchOpen(b *testing.B, d *Disk) {
	ctx := context.Background()
	const key = "documents/env_1/doc_1.pdf"
	if _, err := d.Put(ctx, key, bytes.NewReader(benchBlob)); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, len(benchBlob)+1)
	b.ReportAllocs()
	stop := cpumeter.Start(b)
	for b.Loop() {
		r, err := d.Open(ctx, key)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.ReadFull(r, buf)
		if n != len(benchBlob) || err != io.ErrUnexpectedEOF {
			b.Fatalf("read %d bytes (%v), want %d", n, err, len(benchBlob))
		}
		r.Close()
	}
	stop()
}
