package api

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type pageSizeResponse struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

type documentResponse struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Pages     int                `json:"pages"`
	SHA256    string             `json:"sha256"`
	Size      int64              `json:"size"`
	PageSizes []pageSizeResponse `json:"page_sizes"`
}

func newDocument(d *esign.Document) documentResponse {
	return documentResponse{
		ID: d.ID, Name: d.Name, Pages: len(d.Pages), SHA256: d.SHA256, Size: d.Size,
		PageSizes: mapSlice(d.Pages, func(p esign.PageInfo) pageSizeResponse { return pageSizeResponse(p) }),
	}
}

// addDocument streams the multipart field "file" into the Service without
// holding it in memory. It refuses early, before reading the body, when the
// envelope cannot take a document.
func (a *api) addDocument(w http.ResponseWriter, r *http.Request) error {
	p, envelopeID := principal(r), r.PathValue("id")
	if err := a.svc.CheckDraft(r.Context(), p, envelopeID); err != nil {
		return err
	}
	part, err := a.filePart(r)
	if err != nil {
		return err
	}
	defer part.Close()
	body := &watchedReader{r: part}
	doc, err := a.svc.AddDocument(r.Context(), p, envelopeID, part.FileName(), body)
	if body.tooLarge || isTooLarge(err) {
		return a.bodyTooLarge(uploadBody)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newDocument(doc))
}

// filePart skips to the multipart part named "file".
func (a *api) filePart(r *http.Request) (*multipart.Part, error) {
	return a.namedFilePart(r, "the PDF")
}

// namedFilePart is filePart for an upload that the messages call what.
func (a *api) namedFilePart(r *http.Request, what string) (*multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, esign.Errorf(esign.KindBadRequest, codeInvalidMultipart, "send %s as multipart/form-data in a field named file", what)
	}
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return nil, esign.Invalid("file", "is required: send "+what+" in a multipart field named file")
		case isTooLarge(err):
			return nil, a.bodyTooLarge(uploadBody)
		case err != nil:
			return nil, esign.Errorf(esign.KindBadRequest, codeInvalidMultipart, "the multipart body is malformed: %v", err)
		case part.FormName() == "file":
			return part, nil
		}
		part.Close()
	}
}

func isTooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

// watchedReader notices when http.MaxBytesReader cut the body off, however
// the layers above report it.
type watchedReader struct {
	r        io.Reader
	tooLarge bool
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if isTooLarge(err) {
		w.tooLarge = true
	}
	return n, err
}

// originalDocument serves an uploaded document as it was uploaded.
func (a *api) originalDocument(w http.ResponseWriter, r *http.Request) error {
	doc, body, err := a.svc.OriginalDocument(r.Context(), principal(r), r.PathValue("id"), r.PathValue("doc_id"))
	if err != nil {
		return err
	}
	servePDFInline(w, r, doc, body)
	return nil
}

func (a *api) download(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res, err := a.svc.Download(r.Context(), principal(r), r.PathValue("id"), q.Get("part"), q.Get("document_id"))
	return serveDownload(w, r, res, err)
}

// signingResult gives a recipient the completed documents by their link.
func (a *api) signingResult(w http.ResponseWriter, r *http.Request) error {
	res, err := a.svc.RecipientResult(r.Context(), r.PathValue("token"))
	return serveDownload(w, r, res, err)
}

// serveDownload writes a result file as an attachment, or returns err.
func serveDownload(w http.ResponseWriter, r *http.Request, res *esign.DownloadResult, err error) error {
	if err != nil {
		return err
	}
	defer res.Body.Close()
	w.Header().Set("Content-Type", res.ContentType)
	w.Header().Set("Content-Disposition", contentDisposition("attachment", res.Name))
	http.ServeContent(w, r, "", time.Time{}, res.Body)
	return nil
}

// contentDisposition names a file safely: an ASCII fallback in filename and
// the exact name, percent-encoded, in filename* (RFC 6266).
func contentDisposition(disposition, name string) string {
	fallback := strings.Map(func(c rune) rune {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == ';' {
			return '_'
		}
		return c
	}, name)
	if strings.Trim(fallback, "_. ") == "" {
		fallback = "document.pdf"
	}
	v := disposition + `; filename="` + fallback + `"`
	if fallback != name {
		v += "; filename*=UTF-8''" + percentEncode(name)
	}
	return v
}

// percentEncode encodes everything but RFC 8187's attr-char.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}
