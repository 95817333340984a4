package pdf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	pdfvalidate "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pdf/internal/freelist"
)

// newConfig returns a pdfcpu configuration built in code. It deliberately
// avoids model.NewDefaultConfiguration, which creates a config directory in
// the user's home as a side effect and would read settings from it.
func newConfig() *model.Configuration {
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		WriteObjectStream:         true,
		WriteXRefStream:           true,
		Offline:                   true,
		Limits:                    model.DefaultResourceLimits(),
		// ADDSIGNATURE makes pdfcpu refuse every encrypted file before it
		// tries to decrypt it, even one with an empty user password.
		Cmd: model.ADDSIGNATURE,
	}
}

// readDocument parses and validates rs with pdfcpu. Failures are returned as
// *esign.Error values: CodePDFEncrypted for encrypted input and
// CodeInvalidPDF for anything pdfcpu cannot read or validate.
func readDocument(ctx context.Context, rs io.ReadSeeker) (*model.Context, error) {
	return readWithConfig(ctx, rs, newConfig())
}

func readWithConfig(ctx context.Context, rs io.ReadSeeker, conf *model.Configuration) (*model.Context, error) {
	var doc *model.Context
	err := guard(func() error {
		var err error
		if doc, err = pdfcpu.ReadWithContext(ctx, rs, conf); err != nil {
			return err
		}
		if doc.Encrypt != nil {
			return pdfcpu.ErrEncrypted
		}
		return validate(doc)
	})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("read pdf: %w", ctxErr)
	}
	if err != nil {
		return nil, classifyReadError(err)
	}
	return doc, nil
}

// validate runs pdfcpu's validation with the catalog's /AF hidden from it.
// pdfcpu v0.15 refuses every PDF 2.0 file whose catalog lists associated
// files ("not supported") and ignores the entry in older versions; Stamp
// adds /AF, so without this GSign could not read back a PDF 2.0 document
// it had stamped.
func validate(doc *model.Context) error {
	catalog, err := doc.Catalog()
	if err != nil {
		return err
	}
	if af, found := catalog["AF"]; found {
		delete(catalog, "AF")
		defer func() { catalog["AF"] = af }()
	}
	return pdfvalidate.XRefTable(doc)
}

// errPanic marks an error recovered from a panic inside pdfcpu.
var errPanic = errors.New("pdfcpu panicked")

// guard runs fn and turns a panic inside it into an error, so a bug in pdfcpu
// triggered by hostile input cannot take the process down.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return fn()
}

// classifyReadError maps a pdfcpu read or validation failure to the error the
// API shows. pdfcpu's own text is technical and is not shown to callers.
func classifyReadError(err error) *esign.Error {
	if errors.Is(err, pdfcpu.ErrEncrypted) || errors.Is(err, pdfcpu.ErrWrongPassword) {
		return errEncrypted()
	}
	return errInvalid("the file is damaged or is not a PDF document that GSign can read")
}

func errEncrypted() *esign.Error {
	return esign.Errorf(esign.KindInvalid, esign.CodePDFEncrypted,
		"the PDF is encrypted or password-protected; remove the protection and upload it again")
}

func errInvalid(msg string) *esign.Error {
	return esign.Errorf(esign.KindInvalid, esign.CodeInvalidPDF, "%s", msg)
}

func errTruncated() *esign.Error {
	return esign.Errorf(esign.KindInvalid, esign.CodePDFTruncated,
		"the PDF is incomplete: it looks cut off, perhaps by an interrupted upload or download")
}

// writeContext writes the whole document to w. It is what pdfcpu's api
// package does, without importing that package: api pulls in pdfcpu's form
// support, whose dependencies fill megabytes of tables at start-up, which
// every gsign process would pay for.
//
// The document keeps the form it was read in: object streams only if it
// had them (see keepForm). The cross-reference data is always an xref
// stream, GSign's own for a document without object streams (see
// writeOwnXRef).
func writeContext(doc *model.Context, w io.Writer) error {
	keepForm(doc)
	if !doc.WriteObjectStream {
		return writeOwnXRef(doc, w)
	}
	doc.WriteXRefStream = true
	return writePDFCPU(doc, w)
}

// writePDFCPU has pdfcpu write doc to w as doc's settings say.
func writePDFCPU(doc *model.Context, w io.Writer) error {
	bw := outputBuffers.Get()
	bw.Reset(w)
	doc.Write.Writer = bw
	err := pdfcpu.WriteContext(doc)
	if err == nil {
		err = bw.Flush()
	}
	// A panic in WriteContext skips this; the pool makes another buffer.
	doc.Write.Writer = nil
	bw.Reset(nil)
	outputBuffers.Put(bw)
	return err
}

// keepForm has pdfcpu write doc with object streams only if it was read
// with them. pdfcpu compresses each object stream with a new zlib writer
// at the default level, whose set-up alone clears about 1 MB, and GSign
// writes three documents per envelope, most of them small and without
// object streams: such a document keeps its objects uncompressed, as it
// had them, and one that came compact stays compact.
func keepForm(doc *model.Context) {
	doc.WriteObjectStream = doc.Read.UsingObjectStreams
}

// outputBuffers holds idle 1 MiB output buffers for writeContext, which
// would otherwise allocate and clear one for every document it writes.
var outputBuffers = freelist.New(func() *bufio.Writer { return bufio.NewWriterSize(nil, 1<<20) })
