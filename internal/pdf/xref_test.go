package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// xrefHead matches the start of the xref stream object GSign writes.
var xrefHead = regexp.MustCompile(`^(\d+) 0 obj\n(<<[^\n]*>>)\nstream\n`)

// xrefEntry is one decoded entry of an xref stream: type, field 2, field 3.
type xrefEntry [3]int64

// ownXRef decodes the xref stream at the end of pdf and checks what the
// dictionary says of it: /Size is one more than the stream's own number,
// and the stream is the last thing before startxref, which points at it.
func ownXRef(t *testing.T, pdf []byte) []xrefEntry {
	t.Helper()
	tail := regexp.MustCompile(`\nendstream\nendobj\nstartxref\n(\d+)\n%%EOF\n$`).FindSubmatchIndex(pdf)
	if tail == nil {
		t.Fatalf("the file does not end with an xref stream: %q", pdf[max(0, len(pdf)-300):])
	}
	at, _ := strconv.Atoi(string(pdf[tail[2]:tail[3]]))
	m := xrefHead.FindSubmatch(pdf[at:])
	if m == nil {
		t.Fatalf("startxref %d does not point at the xref stream", at)
	}
	self, _ := strconv.Atoi(string(m[1]))
	dict := string(m[2])
	if want := "/Size " + strconv.Itoa(self+1) + "/"; !strings.Contains(dict, want) {
		t.Errorf("dictionary %s, want %s", dict, want)
	}
	raw := pdf[at+len(m[0]) : tail[0]]
	if want := "/Length " + strconv.Itoa(len(raw)) + "/"; !strings.Contains(dict, want) {
		t.Errorf("dictionary %s, want %s", dict, want)
	}
	w := regexp.MustCompile(`/W\[1 (\d) 2\]`).FindStringSubmatch(dict)
	if w == nil {
		t.Fatalf("dictionary %s has no /W [1 n 2]", dict)
	}
	width, _ := strconv.Atoi(w[1])
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != (self+1)*(3+width) {
		t.Fatalf("%d bytes of entries, want %d entries of %d", len(data), self+1, 3+width)
	}
	entries := make([]xrefEntry, self+1)
	for i := range entries {
		e := data[i*(3+width):]
		entries[i][0] = int64(e[0])
		for _, b := range e[1 : 1+width] {
			entries[i][1] = entries[i][1]<<8 | int64(b)
		}
		entries[i][2] = int64(e[1+width])<<8 | int64(e[2+width])
	}
	return entries
}

// checkXRefEntries checks that every entry in use points at its object
// and that the free entries form one list from object 0, in ascending
// order, back to 0.
func checkXRefEntries(t *testing.T, pdf []byte, entries []xrefEntry) {
	t.Helper()
	var free []int
	for nr, e := range entries {
		switch e[0] {
		case 0:
			free = append(free, nr)
		case 1:
			if !bytes.HasPrefix(pdf[e[1]:], []byte(strconv.Itoa(nr)+" "+strconv.FormatInt(e[2], 10)+" obj")) {
				t.Errorf("object %d: offset %d does not start it", nr, e[1])
			}
		default:
			t.Errorf("object %d: entry type %d", nr, e[0])
		}
	}
	if len(free) == 0 || free[0] != 0 || entries[0][2] != 65535 {
		t.Fatalf("free entries %v, want object 0 first with generation 65535", free)
	}
	for i, nr := range free {
		want := int64(0)
		if i+1 < len(free) {
			want = int64(free[i+1])
		}
		if entries[nr][1] != want {
			t.Errorf("free object %d links to %d, want %d", nr, entries[nr][1], want)
		}
	}
}

// Documents without object streams get GSign's own xref stream: one
// entry for every number up to the last object, the objects left out
// (here the evidence that a second stamping replaced) as free entries.
func TestOwnXRef(t *testing.T) {
	t.Parallel()
	plain := labelled("Alpha", 2, letter)
	once := stampFiles(t, plain, []esign.Stamp{checkBox}, evidence)
	twice := stampFiles(t, once, []esign.Stamp{checkBox}, evidence)
	tests := []struct {
		name  string
		pdf   []byte
		pages string
		free  string // objects free besides 0: "none", "some" or "any" (merging may free some)
	}{
		{"stamped", once, "2", "none"},
		{"stamped again", twice, "2", "some"},
		{"merged", merge(t, once, plain), "4", "any"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			qpdfCheck(t, tc.pdf)
			entries := ownXRef(t, tc.pdf)
			checkXRefEntries(t, tc.pdf, entries)
			free := 0
			for _, e := range entries[1:] {
				if e[0] == 0 {
					free++
				}
			}
			if tc.free == "some" && free == 0 || tc.free == "none" && free != 0 {
				t.Errorf("%d free entries besides object 0", free)
			}
			if got := pageCount(t, tc.pdf); got != tc.pages {
				t.Errorf("%s pages, want %s", got, tc.pages)
			}
		})
	}
}

// tailWriter passes on everything but its last hold bytes, however the
// writes are cut.
func TestTailWriter(t *testing.T) {
	t.Parallel()
	input := bytes.Repeat([]byte("0123456789abcdef"), 100)
	for _, tc := range []struct {
		name        string
		hold, chunk int
	}{
		{"chunks smaller than hold", 100, 7},
		{"chunks larger than hold", 10, 333},
		{"hold larger than input", 5000, 64},
		{"hold zero", 0, 50},
		{"one write", 123, len(input)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tw := &tailWriter{w: &out, hold: tc.hold}
			for rest := input; len(rest) > 0; {
				n := min(tc.chunk, len(rest))
				if got, err := tw.Write(rest[:n]); got != n || err != nil {
					t.Fatalf("Write: %d, %v", got, err)
				}
				rest = rest[n:]
			}
			if want := min(tc.hold, len(input)); len(tw.buf) != want {
				t.Errorf("holds %d bytes, want %d", len(tw.buf), want)
			}
			if tw.passed != int64(out.Len()) || !bytes.Equal(append(out.Bytes(), tw.buf...), input) {
				t.Error("passed on and held bytes are not the input")
			}
		})
	}
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("disk full")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

// A failing writer fails Stamp with its error.
func TestStampReportsWriteError(t *testing.T) {
	t.Parallel()
	err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(labelled("Alpha", 1, letter)), []esign.Stamp{checkBox},
		[]esign.EmbeddedFile{evidence}, errWriter{})
	if !errors.Is(err, errWrite) {
		t.Fatalf("Stamp: %v, want %v", err, errWrite)
	}
}
