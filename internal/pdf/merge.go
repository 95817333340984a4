package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/gsign/gsign/internal/esign"
)

// Merger concatenates PDFs with pdfcpu. The zero value is ready to use and
// safe for concurrent use.
type Merger struct{}

var (
	_ esign.Merger          = (*Merger)(nil)
	_ esign.EmbeddingMerger = (*Merger)(nil)
	_ esign.KeptMerger      = (*Merger)(nil)
)

// Merge writes the pages of srcs, in order, to w as one PDF. The first
// document's catalog (metadata, viewer settings) carries over; forms,
// named destinations, outlines and embedded files of all documents are
// merged by pdfcpu, which keeps the first of two embedded files with the
// same key. The catalog's /AF is dropped: it describes how files relate to
// the first document alone, not to the merged one.
//
// Merge refuses an empty list, an input that is not a readable PDF, and a
// signed input (rewriting it would break its signature) with an
// *esign.Error of KindInvalid. Nothing is written to w on error.
func (m *Merger) Merge(ctx context.Context, srcs []io.ReadSeeker, w io.Writer) error {
	return m.MergeEmbedding(ctx, srcs, nil, w)
}

// MergeEmbedding merges like Merge and embeds files in the result as
// Stamper.Stamp does, in the same pass (esign.EmbeddingMerger): the merged
// document is written once instead of written, read back and written
// again. Files are refused as Stamp refuses them.
func (m *Merger) MergeEmbedding(ctx context.Context, srcs []io.ReadSeeker, files []esign.EmbeddedFile, w io.Writer) error {
	if len(srcs) == 0 {
		return esign.Invalid("srcs", "there are no PDFs to merge")
	}
	return mergeDocs(ctx, len(srcs), func(i int) (*model.Context, error) {
		return readForMerge(ctx, srcs[i], "srcs", i, len(srcs))
	}, files, w)
}

// mergeDocs merges the n documents part returns, in order, embeds files
// and writes the result to w. part(i) is asked for each document once, in
// order, and may change or use up what it returns.
func mergeDocs(ctx context.Context, n int, part func(i int) (*model.Context, error), files []esign.EmbeddedFile, w io.Writer) error {
	if err := validateFiles(files); err != nil {
		return err
	}
	dest, err := part(0)
	if err != nil {
		return err
	}
	pdf20 := dest.XRefTable.Version() >= model.V20
	for i := 1; i < n; i++ {
		doc, err := part(i)
		if err != nil {
			return err
		}
		pdf20 = pdf20 || doc.XRefTable.Version() >= model.V20
		// The merged document is compact (see keepForm) if any part was.
		dest.Read.UsingObjectStreams = dest.Read.UsingObjectStreams || doc.Read.UsingObjectStreams
		err = guard(func() error { return pdfcpu.MergeXRefTables(strconv.Itoa(i), doc, dest, false, false) })
		if err != nil {
			return fmt.Errorf("merge pdf %d of %d: %w", i+1, n, err)
		}
	}
	if err := prepareMerged(dest, pdf20); err != nil {
		return err
	}
	if err := embedFiles(dest, files); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("merge pdfs: %w", err)
	}
	if err := guard(func() error { return writeContext(dest, w) }); err != nil {
		return fmt.Errorf("merge pdfs: write: %w", err)
	}
	return nil
}

// readForMerge reads src, the i-th of n documents to merge (the argument
// named arg), and checks that it may be merged. pdfcpu's merge command
// mode makes validation collect the named destinations that merging has
// to rename when two documents use the same name.
func readForMerge(ctx context.Context, src io.ReadSeeker, arg string, i, n int) (*model.Context, error) {
	doc, err := readWithConfig(ctx, src, mergeConfig())
	var e *esign.Error
	if errors.As(err, &e) {
		e.Message = fmt.Sprintf("PDF %d of %d to merge: %s", i+1, n, e.Message)
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return doc, checkUnsigned(doc, arg, i)
}

// mergeConfig is the configuration to read a document to merge with.
func mergeConfig() *model.Configuration {
	conf := newConfig()
	conf.Cmd = model.MERGECREATE // also refuses encrypted files before decrypting them
	return conf
}

// checkUnsigned refuses doc, argument arg[i], if it is signed.
func checkUnsigned(doc *model.Context, arg string, i int) error {
	if signed(doc) {
		return esign.Invalid(fmt.Sprintf("%s[%d]", arg, i),
			"the PDF is signed; merging it would invalidate the signature")
	}
	return nil
}

// signed reports whether any signature field of doc holds a signature.
func signed(doc *model.Context) bool {
	for _, sigs := range doc.Signatures {
		for _, sig := range sigs {
			if sig.Signed {
				return true
			}
		}
	}
	return false
}

// prepareMerged drops the catalog's /AF and, when any part is PDF 2.0,
// labels the result 2.0 too: pdfcpu writes every older version as 1.7.
func prepareMerged(dest *model.Context, pdf20 bool) error {
	catalog, err := dest.Catalog()
	if err != nil {
		return fmt.Errorf("merge pdfs: catalog: %w", err)
	}
	delete(catalog, "AF")
	if pdf20 {
		v := model.V20
		dest.HeaderVersion, dest.RootVersion = &v, nil
		delete(catalog, "Version")
	}
	return nil
}
