package pdf

import (
	"bytes"
	"math"
	"testing"
)

func TestEncodeWinAnsi(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []byte
		ok       bool
	}{
		{"ascii", "Hello, World!", []byte("Hello, World!"), true},
		{"latin-1", "Café ñ ß ÿ", []byte("Caf\xe9 \xf1 \xdf \xff"), true},
		{"windows-1252 specials", "€ – — ‘’ “” … ™ Œ š Ÿ", []byte("\x80 \x96 \x97 \x91\x92 \x93\x94 \x85 \x99 \x8c \x9a \x9f"), true},
		{"polish", "Łódź", nil, false},
		{"cyrillic", "Привет", nil, false},
		{"emoji", "ok 👍", nil, false},
		{"C1 control", "a\u0081b", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := encodeWinAnsi(tc.in)
			if ok != tc.ok || !bytes.Equal(got, tc.want) {
				t.Errorf("encodeWinAnsi(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPDFString(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "abc", "(abc)"},
		{"delimiters and backslash", `a(b)c\d`, `(a\(b\)c\\d)`},
		{"unbalanced parentheses", ")(", `(\)\()`},
		{"high bytes as octal", "\xe9\x80", `(\351\200)`},
		{"control bytes as octal", "\r\n", `(\015\012)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := pdfString([]byte(tc.in)); got != tc.want {
				t.Errorf("pdfString(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormaliseText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"unchanged", "Jane Doe", "Jane Doe"},
		{"white space becomes spaces", "a\tb\nc\u00a0d", "a b c d"},
		{"controls dropped", "a\x00b\x07c\u0085", "abc"},
		{"trimmed", "  x  ", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := normaliseText(tc.in); got != tc.want {
				t.Errorf("normaliseText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBoxMatrix(t *testing.T) {
	t.Parallel()
	// A 300×600 crop box at (100, 50); a 10×20 box at displayed (30, 40).
	box := rect{llx: 100, lly: 50, urx: 400, ury: 650}
	tests := []struct {
		name   string
		rotate int
		// where the box's local origin (its displayed bottom-left) lands
		// in user space, and where local (1, 0) and (0, 1) point
		origin, right, up [2]float64
	}{
		{"rotate 0", 0, [2]float64{130, 590}, [2]float64{1, 0}, [2]float64{0, 1}},
		{"rotate 90", 90, [2]float64{160, 80}, [2]float64{0, 1}, [2]float64{-1, 0}},
		{"rotate 180", 180, [2]float64{370, 110}, [2]float64{-1, 0}, [2]float64{0, -1}},
		{"rotate 270", 270, [2]float64{340, 620}, [2]float64{0, -1}, [2]float64{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := pageGeom{box: box, rotate: tc.rotate}.boxMatrix(30, 40, 10, 20)
			want := matrix{tc.right[0], tc.right[1], tc.up[0], tc.up[1], tc.origin[0], tc.origin[1]}
			for i := range m {
				if math.Abs(m[i]-want[i]) > 1e-9 {
					t.Fatalf("boxMatrix = %v, want %v", m, want)
				}
			}
		})
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{{0, "0"}, {math.Copysign(0, -1), "0"}, {1.5, "1.5"}, {-2, "-2"}, {1.23456789, "1.2346"}, {612, "612"}}
	for _, tc := range tests {
		if got := num(tc.in); got != tc.want {
			t.Errorf("num(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
