package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// The certificate of completion is written by package pdfw, not pdfcpu,
// and reading it back for the combined PDF (find the cross-reference
// table, parse every object, load the streams, validate) cost about as
// much CPU as rendering it. Its renderer keeps what it wrote instead
// (certificate.Renderer.RenderCertificateKept, a *pdfw.Kept), and the
// merger builds pdfcpu's model of the document from that: each object's
// dictionary is parsed from the text that went into the file, each
// stream takes the compressed data as it was written. Nothing is
// validated: the objects are GSign's own, and TestMergeKeptCertificate
// holds the combined PDF to the one made from the certificate's file.

// keptObjectsDoc returns pdfcpu's model of the document k, as readForMerge
// would return it from the file that was written.
func keptObjectsDoc(ctx context.Context, k *pdfw.Kept) (*model.Context, error) {
	if k.Root < 1 || k.Root > len(k.Objects) || k.Info < 1 || k.Info > len(k.Objects) {
		return nil, errors.New("kept document: no catalog or information dictionary")
	}
	doc, err := model.NewContext(bytes.NewReader(nil), mergeConfig())
	if err != nil {
		return nil, err
	}
	doc.Read.RS = nil // there is no file
	v := model.V17    // what pdfw's header says
	doc.HeaderVersion = &v
	doc.Table[0] = model.NewFreeHeadXRefTableEntry()
	for i, o := range k.Objects {
		obj, err := keptObject(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("kept document: object %d: %w", i+1, err)
		}
		doc.Table[i+1] = model.NewXRefTableEntryGen0(obj)
	}
	size := len(k.Objects) + 1
	doc.Size, doc.MaxObjNr = &size, len(k.Objects)
	doc.Root, doc.Info = types.NewIndirectRef(k.Root, 0), types.NewIndirectRef(k.Info, 0)
	doc.ID = types.Array{types.HexLiteral(fmt.Sprintf("%x", k.ID)), types.HexLiteral(fmt.Sprintf("%x", k.ID))}
	if doc.PageCount, err = treeCount(doc); err != nil {
		return nil, fmt.Errorf("kept document: %w", err)
	}
	return doc, nil
}

// keptObject returns o as pdfcpu reads it: a dictionary, or a stream
// whose data is loaded and not decoded.
func keptObject(ctx context.Context, o pdfw.Object) (types.Object, error) {
	text := "<<" + o.Dict + ">>"
	obj, err := model.ParseObjectContext(ctx, &text, 0)
	if err != nil {
		return nil, err
	}
	d, ok := obj.(types.Dict)
	if !ok {
		return nil, errors.New("not a dictionary")
	}
	if o.Stream == nil {
		return d, nil
	}
	if f := d.NameEntry("Filter"); f == nil || *f != filter.Flate {
		return nil, errors.New("a stream not compressed with deflate")
	}
	sd := flateStreamOf(d, o.Stream)
	if parms := d.DictEntry("DecodeParms"); parms != nil {
		sd.FilterPipeline[0].DecodeParms = parms
	}
	return sd, nil
}

// treeCount returns the /Count of doc's page tree root, which validation
// would have recorded.
func treeCount(doc *model.Context) (int, error) {
	catalog, err := doc.Catalog()
	if err != nil {
		return 0, err
	}
	pages, err := doc.DereferenceDict(catalog["Pages"])
	if err != nil || pages == nil {
		return 0, errors.New("no page tree")
	}
	n := pages.IntEntry("Count")
	if n == nil || *n < 1 {
		return 0, errors.New("no pages")
	}
	return *n, nil
}
