package webapp

import (
	"bytes"
	"io/fs"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/pdf/sigfont"
)

// SignatureFontPath is where the app finds the font with the id that GSign
// draws typed signatures in (internal/pdf/sigfont), so the signer's preview
// looks like the result. The fonts are served from the Go module, not
// copied into web/.
func SignatureFontPath(id string) string { return "fonts/" + id + ".ttf" }

// withFont adds the signature fonts to the built app's files.
type withFont struct{ fs.FS }

func (w withFont) Open(name string) (fs.File, error) {
	if id, ok := strings.CutPrefix(name, "fonts/"); ok {
		if f, ok := sigfont.ByID(strings.TrimSuffix(id, ".ttf")); ok && strings.HasSuffix(id, ".ttf") {
			return &memFile{Reader: bytes.NewReader(f.TTF), name: f.ID + ".ttf", size: int64(len(f.TTF))}, nil
		}
	}
	return w.FS.Open(name)
}

// memFile is a read-only, seekable file over bytes.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
