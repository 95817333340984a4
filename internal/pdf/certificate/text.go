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
	"golang.org/x/image/font/sfnt"
)

// goFonts parses the two embedded faces once; sfnt fonts are safe for
// concurrent use when each caller brings its own Buffer.
var goFonts = sync.OnceValues(func() ([]*sfnt.Font, error) {
	regular, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	bold, err := sfnt.Parse(gobold.TTF)
	if err != nil {
		return nil, err
	}
	return []*sfnt.Font{regular, bold}, nil
})

// cleaner makes user-supplied text safe to set in the certificate's fonts.
//
// A character the Go fonts have no glyph for (CJK, emoji, …) is replaced by
// U+FFFD, and one Courier cannot encode by '?'. fpdf would otherwise draw
// nothing or an empty box, and it indexes its width tables by code point,
// so characters beyond the Basic Multilingual Plane would crash it. The
// replacement happens here, in the certificate only, which is a
// human-readable summary: the exact values stay in the database, the audit
// trail and the evidence file embedded in the sealed PDF.
type cleaner struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	known map[rune]bool
}

func newCleaner() (*cleaner, error) {
	fonts, err := goFonts()
	if err != nil {
		return nil, err
	}
	return &cleaner{fonts: fonts, known: map[rune]bool{}}, nil
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
	if r > 0xffff {
		return false
	}
	if ok, seen := c.known[r]; seen {
		return ok
	}
	ok := true
	for _, f := range c.fonts {
		if i, err := f.GlyphIndex(&c.buf, r); err != nil || i == 0 {
			ok = false
		}
	}
	c.known[r] = ok
	return ok
}

// mono returns s ready for Courier, a standard font without embedding
// that fpdf encodes as cp1252; hashes and IDs are ASCII anyway.
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
// fpdf writes as UTF-16 and no font has to draw.
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
