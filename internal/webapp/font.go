package webapp

import (
	"bytes"
	"io/fs"
	"time"

	"golang.org/x/image/font/gofont/goitalic"
)

// SignatureFontPath is where the app finds the font that GSign draws typed
// signatures with (Go Italic, internal/pdf), so the signer's preview looks
// like the result. It is served from the Go module, not copied into web/.
const SignatureFontPath = "fonts/signature.ttf"

// withFont adds the signature font to the built app's files.
type withFont struct{ fs.FS }

func (w withFont) Open(name string) (fs.File, error) {
	if name == SignatureFontPath {
		return &memFile{Reader: bytes.NewReader(goitalic.TTF), name: "signature.ttf", size: int64(len(goitalic.TTF))}, nil
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
