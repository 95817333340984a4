package esign

import (
	"context"
	"io"
)

// Verification is a verifier's verdict on a PDF, with its report for people
// and programs.
type Verification struct {
	Valid bool
	// Report is the verifier's detailed findings, encodable as JSON.
	Report any
}

// Verifier checks every signature of a PDF, what changed after each, and the
// embedded evidence.
type Verifier interface {
	Verify(ctx context.Context, r io.ReaderAt, size int64) (*Verification, error)
}

// Verify checks any PDF: it needs no account and touches no envelope.
func (s *Service) Verify(ctx context.Context, r io.ReaderAt, size int64) (*Verification, error) {
	if size == 0 {
		return nil, Errorf(KindInvalid, CodeInvalidPDF, "the uploaded file is empty")
	}
	if size > s.Config.MaxUploadBytes {
		return nil, ErrTooLarge(s.Config.MaxUploadBytes)
	}
	return s.Verifier.Verify(ctx, r, size)
}
