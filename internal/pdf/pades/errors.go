package pades

import "github.com/gsign/gsign/internal/esign"

// Reader errors are *esign.Error values so that an upload the reader cannot
// handle reaches the caller as a 422 with a stable code, whichever layer
// wrapped it on the way.

// malformed reports a structural problem in the file.
func malformed(format string, args ...any) error {
	return esign.Errorf(esign.KindInvalid, esign.CodeInvalidPDF, "invalid PDF: "+format, args...)
}

// truncatedErr reports a file that ends before its structure does.
func truncatedErr(format string, args ...any) error {
	return esign.Errorf(esign.KindInvalid, esign.CodePDFTruncated, "truncated PDF: "+format, args...)
}

// unsupported reports valid PDF that this reader deliberately does not
// handle (such as an unknown stream filter in a structural stream).
func unsupported(format string, args ...any) error {
	return esign.Errorf(esign.KindInvalid, esign.CodeInvalidPDF, "unsupported PDF: "+format, args...)
}
