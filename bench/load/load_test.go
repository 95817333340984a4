package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestStatsOf(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range v {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	tests := []struct {
		name               string
		in                 []time.Duration
		p50, p90, p99, max float64
	}{
		{"empty", nil, 0, 0, 0, 0},
		{"one sample is every percentile", ms(7), 7, 7, 7, 7},
		{"nearest rank of two", ms(2, 1), 1, 2, 2, 2},
		{"one to a hundred", ms(hundred...), 50, 90, 99, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := statsOf("x", tt.in)
			if s.Count != len(tt.in) || s.P50 != tt.p50 || s.P90 != tt.p90 || s.P99 != tt.p99 || s.Max != tt.max {
				t.Errorf("statsOf = %+v, want count %d p50 %v p90 %v p99 %v max %v", s, len(tt.in), tt.p50, tt.p90, tt.p99, tt.max)
			}
		})
	}
}

// TestOnePagePDF checks that every cross-reference entry points at its
// object, and that qpdf, when installed, finds the file sound.
func TestOnePagePDF(t *testing.T) {
	pdf := onePagePDF()
	xref := regexp.MustCompile(`(?m)^(\d{10}) 00000 n $`).FindAllSubmatch(pdf, -1)
	if len(xref) != 5 {
		t.Fatalf("%d cross-reference entries, want 5", len(xref))
	}
	for i, m := range xref {
		off, _ := strconv.Atoi(string(m[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("entry %d points at %q, want %q", i+1, pdf[off:off+len(want)], want)
		}
	}
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf is not installed")
	}
	f := filepath.Join(t.TempDir(), "one.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}
