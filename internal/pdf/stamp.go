package pdf

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/gsign/gsign/internal/esign"
)

// Stamper draws field values onto PDF pages with pdfcpu. The zero value is
// ready to use and safe for concurrent use.
type Stamper struct{}

var _ esign.Stamper = (*Stamper)(nil)

// boxTolerance absorbs rounding in client coordinates: a box may overhang
// the page by this many points and still count as inside it.
const boxTolerance = 0.01

// Stamp draws stamps onto the PDF read from src, embeds files, and writes
// the result to w in one pass. Each page that gets stamps keeps its
// original content untouched, wrapped in q/Q, with one content stream of
// stamps appended after it.
//
// Each file becomes an embedded file listed in the /EmbeddedFiles name
// tree and in the catalog's /AF array with its /AFRelationship
// ("Unspecified" when empty). Embedded files already in the PDF stay,
// except one with the same name as a new file, which the new file
// replaces.
//
// Stamps that name a missing page, leave their page or are malformed, and
// files without a plain name, with an unknown relationship or MIME type, or
// over 50 MiB, are refused with an *esign.Error of KindInvalid and
// CodeValidation before anything is written.
func (s *Stamper) Stamp(ctx context.Context, src io.ReadSeeker, stamps []esign.Stamp, files []esign.EmbeddedFile, w io.Writer) error {
	_, err := stampTo(ctx, src, stamps, files, w, newConfig())
	return err
}

// stampTo does Stamp's work, reading src with conf, and returns the
// document as it wrote it.
func stampTo(ctx context.Context, src io.ReadSeeker, stamps []esign.Stamp, files []esign.EmbeddedFile, w io.Writer, conf *model.Configuration) (*model.Context, error) {
	if err := validateFiles(files); err != nil {
		return nil, err
	}
	doc, err := readWithConfig(ctx, src, conf)
	if err != nil {
		return nil, err
	}
	if err := drawStamps(ctx, doc, stamps); err != nil {
		return nil, err
	}
	if err := embedFiles(doc, files); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("stamp pdf: %w", err)
	}
	if err := guard(func() error { return writeContext(doc, w) }); err != nil {
		return nil, fmt.Errorf("stamp pdf: write: %w", err)
	}
	return doc, nil
}

// drawStamps checks stamps against doc's pages and draws them.
func drawStamps(ctx context.Context, doc *model.Context, stamps []esign.Stamp) error {
	geoms, err := pageGeometries(doc)
	if err != nil {
		return err
	}
	for i, st := range stamps {
		if err := validateStamp(i, st, geoms); err != nil {
			return err
		}
	}
	sw := newStampWriter(doc)
	for _, page := range pagesOf(stamps) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stamp pdf: %w", err)
		}
		if err := sw.stampPage(page, geoms[page-1], stamps); err != nil {
			return err
		}
	}
	return nil
}

// pagesOf returns the distinct pages stamps refer to, in ascending order.
func pagesOf(stamps []esign.Stamp) []int {
	pages := make([]int, 0, len(stamps))
	for _, st := range stamps {
		pages = append(pages, st.Page)
	}
	slices.Sort(pages)
	return slices.Compact(pages)
}

// validateStamp checks one stamp against the document's displayed pages.
func validateStamp(i int, st esign.Stamp, geoms []pageGeom) error {
	field := fmt.Sprintf("stamps[%d]", i)
	if st.Page < 1 || st.Page > len(geoms) {
		return esign.Invalid(field+".page",
			fmt.Sprintf("page %d does not exist; the document has %d page(s)", st.Page, len(geoms)))
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"x", st.X}, {"y", st.Y}, {"width", st.Width}, {"height", st.Height}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return esign.Invalid(field+"."+c.name, "must be a finite number")
		}
	}
	if st.Width <= 0 || st.Height <= 0 {
		return esign.Invalid(field, "the box must have a positive width and height")
	}
	pw, ph := geoms[st.Page-1].size()
	if st.X < -boxTolerance || st.Y < -boxTolerance ||
		st.X+st.Width > pw+boxTolerance || st.Y+st.Height > ph+boxTolerance {
		return esign.Invalid(field, fmt.Sprintf(
			"the box at x=%.2f y=%.2f of %.2f×%.2f pt does not fit on page %d, which is %.2f×%.2f pt",
			st.X, st.Y, st.Width, st.Height, st.Page, pw, ph))
	}
	return validateKind(field, st)
}

func validateKind(field string, st esign.Stamp) error {
	switch st.Kind {
	case esign.StampText, esign.StampCheck:
		return nil
	case esign.StampImage:
		if len(st.PNG) == 0 {
			return esign.Invalid(field+".png", "an image stamp needs PNG data")
		}
		return nil
	default:
		return esign.Invalid(field+".kind", fmt.Sprintf("unknown stamp kind %q", st.Kind))
	}
}
