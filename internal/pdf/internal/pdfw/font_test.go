package pdfw

import (
	"fmt"
	"testing"
	"unicode/utf16"
)

// appendUTF16 writes the code units utf16.Encode gives, in the ToUnicode
// CMap's hexadecimal, for code points in and beyond the Basic
// Multilingual Plane and for runes UTF-16 cannot hold.
func TestAppendUTF16(t *testing.T) {
	for _, r := range []rune{0, 'A', 'é', 'Ω', 0xd7ff, 0xd800, 0xdfff, 0xe000, 0xfffd, 0xffff,
		0x10000, 0x1f58b, 0x10ffff, 0x110000, -1} {
		want := ""
		for _, unit := range utf16.Encode([]rune{r}) {
			want += fmt.Sprintf("%04x", unit)
		}
		if got := string(appendUTF16(nil, r)); got != want {
			t.Errorf("%U: %q, want %q", r, got, want)
		}
	}
}
