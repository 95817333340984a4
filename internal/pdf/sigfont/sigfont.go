// Package sigfont holds the fonts GSign draws typed signatures in: Go Italic
// and three handwriting fonts under the SIL Open Font License (the OFL-*.txt
// files next to them), from Google Fonts by way of the @expo-google-fonts
// npm packages. It is a leaf with no other GSign imports, so that both the
// renderer (internal/pdf) and the web app's preview (internal/webapp) use
// the very same bytes.
package sigfont

import (
	_ "embed"

	"golang.org/x/image/font/gofont/goitalic"
)

// Default is the font of typed signatures that name none: Go Italic, the
// only font before the choice existed, so older clients keep their look.
const Default = "go-italic"

// Font is one signature font. ID is stable: it is stored with signatures,
// sent by clients and part of the font's URL.
type Font struct {
	ID   string
	Name string
	TTF  []byte
}

var (
	//go:embed DancingScript-Regular.ttf
	dancingScript []byte
	//go:embed GreatVibes-Regular.ttf
	greatVibes []byte
	//go:embed Caveat-Regular.ttf
	caveat []byte
)

// all is in the order a signer is offered the fonts, the default first.
var all = []Font{
	{ID: Default, Name: "Go Italic", TTF: goitalic.TTF},
	{ID: "dancing-script", Name: "Dancing Script", TTF: dancingScript},
	{ID: "great-vibes", Name: "Great Vibes", TTF: greatVibes},
	{ID: "caveat", Name: "Caveat", TTF: caveat},
}

// All returns the fonts, the default first. The slice is a copy; the TTF
// bytes are shared and must not be changed.
func All() []Font {
	return append([]Font(nil), all...)
}

// ByID returns the font with the id.
func ByID(id string) (Font, bool) {
	for _, f := range all {
		if f.ID == id {
			return f, true
		}
	}
	return Font{}, false
}

// IDs returns the fonts' ids, the default first, for error messages.
func IDs() []string {
	ids := make([]string, len(all))
	for i, f := range all {
		ids[i] = f.ID
	}
	return ids
}
