package certificate

import (
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// goFonts parses the two embedded faces once per process: every
// certificate shares them (pdfw fonts are immutable).
var goFonts = sync.OnceValues(func() ([]*pdfw.Font, error) {
	regular, err := pdfw.ParseTrueType(goregular.TTF)
	if err != nil {
		return nil, err
	}
	bold, err := pdfw.ParseTrueType(gobold.TTF)
	if err != nil {
		return nil, err
	}
	return []*pdfw.Font{regular, bold}, nil
})

// cleaner makes user-supplied text safe to set in the certificate's fonts.
//
// A character the Go fonts have no glyph for (CJK, emoji, …) is replaced by
// U+FFFD, and one Courier cannot encode by '?', rather than drawn as an
// empty box or nothing at all. The replacement happens here, in the
// certificate only, which is a human-readable summary: the exact values
// stay in the database, the audit trail and the evidence file embedded in
// the sealed PDF.
type cleaner struct {
	fonts []*pdfw.Font
}

// sans returns s ready for the Go fonts, on one line. Invalid UTF-8 has
// already become U+FFFD by the time strings.Map sees it.
func (c *cleaner) sans(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1 // format characters (bidi controls, zero widths) have no glyph
		case !c.drawable(r):
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// drawable reports whether every Go face has a glyph for r.
func (c *cleaner) drawable(r rune) bool {
	for _, f := range c.fonts {
		if _, ok := f.Glyph(r); !ok {
			return false
		}
	}
	return true
}

// mono returns s ready for Courier, a standard font without embedding
// that pdfw sets in printable ASCII; hashes and IDs are ASCII anyway.
func (c *cleaner) mono(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

// metadata returns s fit for the document information dictionary, which
// pdfw writes as UTF-16 and no font has to draw.
func (c *cleaner) metadata(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// timeFormat is how the certificate shows times, always in UTC.
const timeFormat = "2006-01-02 15:04:05 UTC"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// optionalTime formats t, or a dash when there is none.
func optionalTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return dash
	}
	return formatTime(*t)
}

const dash = "—"

// humanise turns a code such as "access_code" into "Access code".
func humanise(code string) string {
	if code == "" {
		return dash
	}
	s := strings.ReplaceAll(code, "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// orDash returns s, or a dash when it is blank.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return dash
	}
	return s
}

// plural returns "1 page", "3 pages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
