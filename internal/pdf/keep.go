package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// Finalize stamps each document, writes it, and later merges the written
// documents and the certificate into the combined PDF. Reading a written
// document back with pdfcpu (parse and validate) cost about as much as
// writing it: the stamper keeps the document it wrote instead, and the
// merger starts from that. What pdfcpu's write changes in a document (the
// /Info dates and the second file ID, objects it marks free, object
// streams it adds) is what a read of the written file would show, or is
// redone by the next write; the write state itself is reset. What
// validating the written file would add, StampKept adds: the document is
// read in pdfcpu's merge mode, as readForMerge reads, so validation has
// collected the named destinations that merging renames, and the embedded
// files go back into pdfcpu's name tree cache (internalizeEmbeddedFiles).
// TestMergeKeptMatchesMergeEmbedding holds the two paths to the same
// result.
//
// Merging renumbers a part's objects in place, so kept documents must not
// share any object (a dictionary, array or stream) with each other: a
// cache that handed the same image object to two documents' stamps would
// corrupt the combined PDF here, where a read of each file made fresh
// objects. The test stamps the same image into every document.

var _ esign.KeepingStamper = (*Stamper)(nil)

// StampKept stamps like Stamp and returns the document as it was written
// to w, for Merger.MergeKept (esign.KeepingStamper).
func (s *Stamper) StampKept(ctx context.Context, src io.ReadSeeker, stamps []esign.Stamp, files []esign.EmbeddedFile, w io.Writer) (esign.KeptPDF, error) {
	doc, err := stampTo(ctx, src, stamps, files, w, mergeConfig())
	if err != nil {
		return nil, err
	}
	doc.ResetWriteContext()
	doc.Read.RS = nil // the source is read through; do not hold on to it
	if err := guard(func() error { return internalizeEmbeddedFiles(doc) }); err != nil {
		return nil, fmt.Errorf("stamp pdf: keep: %w", err)
	}
	return &keptDoc{doc: doc}, nil
}

// internalizeEmbeddedFiles puts the /EmbeddedFiles name tree that Stamp
// wrote as one leaf (setEmbeddedFiles) back into pdfcpu's name tree cache,
// as validating the written file would: pdfcpu merges a later part's
// embedded files into the merged document from there.
func internalizeEmbeddedFiles(doc *model.Context) error {
	if doc.Names["EmbeddedFiles"] != nil {
		return nil // Stamp embedded nothing and left the cache as it was
	}
	leaf, err := embeddedFilesLeaf(doc)
	if err != nil || leaf == nil {
		return err
	}
	pairs, err := doc.DereferenceArray(leaf["Names"])
	if err != nil || len(pairs) == 0 {
		return err
	}
	node := &model.Node{D: leaf}
	for i := 0; i+1 < len(pairs); i += 2 {
		key, err := types.StringOrHexLiteral(pairs[i])
		if err != nil {
			return fmt.Errorf("embedded files: key %d: %w", i/2, err)
		}
		node.AppendToNames(*key, pairs[i+1])
		node.Kmax = *key
		if i == 0 {
			node.Kmin = *key
		}
	}
	doc.Names["EmbeddedFiles"] = node
	return nil
}

// embeddedFilesLeaf returns the root of doc's /EmbeddedFiles name tree if
// it is a leaf, as Stamp writes it, else nil.
func embeddedFilesLeaf(doc *model.Context) (types.Dict, error) {
	catalog, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	names, err := doc.DereferenceDict(catalog["Names"])
	if err != nil || names == nil {
		return nil, err
	}
	leaf, err := doc.DereferenceDict(names["EmbeddedFiles"])
	if err != nil || leaf == nil || leaf["Kids"] != nil {
		return nil, err
	}
	return leaf, nil
}

// keptDoc is a document StampKept wrote. Merging changes a document (its
// objects are renumbered into the merged one), so it is handed out once.
type keptDoc struct {
	mu  sync.Mutex
	doc *model.Context
}

// errKeptUsed means a kept document was passed to a merge again.
var errKeptUsed = errors.New("the kept document was merged already")

// take returns the document and forgets it.
func (k *keptDoc) take() (*model.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	doc := k.doc
	if doc == nil {
		return nil, errKeptUsed
	}
	k.doc = nil
	return doc, nil
}

// MergeKept merges parts like MergeEmbedding (esign.KeptMerger): a part
// that StampKept kept is merged from the kept document, any other is read
// from its Src as MergeEmbedding reads it. Parts are refused as
// MergeEmbedding refuses them; a signed document is refused whether it
// was kept or read. A kept document is used up once the merge has taken
// it, even if the merge fails later.
func (m *Merger) MergeKept(ctx context.Context, parts []esign.MergePart, files []esign.EmbeddedFile, w io.Writer) error {
	if len(parts) == 0 {
		return esign.Invalid("parts", "there are no PDFs to merge")
	}
	return mergeDocs(ctx, len(parts), func(i int) (*model.Context, error) {
		return openPart(ctx, parts, i)
	}, files, w)
}

// openPart returns parts[i]'s document: the kept one, or the one read
// from Src.
func openPart(ctx context.Context, parts []esign.MergePart, i int) (*model.Context, error) {
	var doc *model.Context
	var err error
	switch k := parts[i].Kept.(type) {
	case *keptDoc:
		doc, err = k.take()
	case *pdfw.Kept:
		err = guard(func() (err error) { doc, err = keptObjectsDoc(ctx, k); return err })
	default:
		if parts[i].Src == nil {
			return nil, esign.Invalid(fmt.Sprintf("parts[%d]", i), "there is neither a file nor a kept document")
		}
		return readForMerge(ctx, parts[i].Src, "parts", i, len(parts))
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("merge pdfs: %w", ctxErr)
	}
	if err != nil {
		return nil, fmt.Errorf("merge pdf %d of %d: %w", i+1, len(parts), err)
	}
	return doc, checkUnsigned(doc, "parts", i)
}
