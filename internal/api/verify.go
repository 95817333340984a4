package api

import (
	"io"
	"net/http"
	"os"

	"github.com/gsign/gsign/internal/esign"
)

// verify checks any uploaded PDF: every signature, what changed after it,
// and the embedded evidence. The report is the verifier's, as JSON, with
// "valid" at the top; a PDF that fails verification is still a 200.
func (a *api) verify(w http.ResponseWriter, r *http.Request) error {
	part, err := a.filePart(r)
	if err != nil {
		return err
	}
	defer part.Close()
	f, size, err := a.spoolUpload(part)
	if err != nil {
		return err
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	v, err := a.svc.Verify(r.Context(), f, size)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v.Report)
}

// spoolUpload copies an upload to a temporary file, bounded by the upload limit,
// because verification reads the file out of order.
func (a *api) spoolUpload(src io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp(a.cfg.TempDir, "verify-*.pdf")
	if err != nil {
		return nil, 0, err
	}
	body := &watchedReader{r: io.LimitReader(src, a.cfg.MaxUploadBytes+1)}
	n, err := io.Copy(f, body)
	if err == nil && n > a.cfg.MaxUploadBytes {
		err = esign.ErrTooLarge(a.cfg.MaxUploadBytes)
	}
	if body.tooLarge || isTooLarge(err) {
		err = a.bodyTooLarge(uploadBody)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, err
	}
	return f, n, nil
}
