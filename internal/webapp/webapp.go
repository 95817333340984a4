// Package webapp holds the browser app that web/ builds with Vite. The build
// output is embedded into the binary; only a placeholder is committed, so a
// fresh clone compiles and serves without Node and says the app is not built.
package webapp

import (
	"embed"
	"io/fs"
)

//go:generate sh ../../web/build.sh

//go:embed all:dist
var dist embed.FS

// Dist returns the built app (index.html at its root) with the signature
// font, or nil when web/ was not built into this binary.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return withFont{sub}
}
