package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// createEnvelopeRequest is a draft's settings and, optionally, everything
// else an envelope holds, so that one request can create, fill and send it
// (as DocuSign's POST /envelopes with documents, tabs and status "sent").
type createEnvelopeRequest struct {
	Name      string     `json:"name"`
	Subject   string     `json:"subject"`
	Message   string     `json:"message"`
	ExpiresAt *time.Time `json:"expires_at"`
	TeamID    string     `json:"team_id"`
	reminderSettings
	// Documents are the PDFs in base64; a multipart request sends them as
	// file parts instead.
	Documents  []composeDocument  `json:"documents"`
	Recipients []composeRecipient `json:"recipients"`
	// Status "sent" sends the envelope at once; "draft" (the default)
	// keeps it a draft.
	Status string `json:"status"`
	// SigningURLs, with status "sent", also mints the embedded signing
	// URLs of the embedded recipients whose turn it is, as Documenso's
	// create-document answer carries its recipients' signing URLs: an
	// integration that embeds signing needs no request per signer.
	SigningURLs bool `json:"signing_urls"`
}

// composeResponse is the envelope as GET /api/v1/envelopes/{id} shows it
// and, when the request asked for them, the signing URLs minted for it (an
// empty list when nobody embedded may sign yet).
type composeResponse struct {
	envelopeDetailResponse
	SigningURLs *[]embeddedURLResponse `json:"signing_urls,omitempty"`
}

// embeddedURLResponse is one embedded signing URL: single use, valid
// until expires_at.
type embeddedURLResponse struct {
	RecipientID string    `json:"recipient_id"`
	URL         string    `json:"url"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func newComposeResponse(d *esign.Composed, asked bool) composeResponse {
	out := composeResponse{envelopeDetailResponse: newEnvelopeDetail(d.EnvelopeDetail)}
	if asked {
		urls := mapSlice(d.SigningURLs, func(u esign.EmbeddedURL) embeddedURLResponse {
			return embeddedURLResponse{RecipientID: u.RecipientID, URL: u.URL, ExpiresAt: u.ExpiresAt}
		})
		out.SigningURLs = &urls
	}
	return out
}

// Statuses a new envelope may be created in.
const (
	composeDraft = "draft"
	composeSent  = "sent"
)

type composeDocument struct {
	Name          string        `json:"name"`
	ContentBase64 base64Content `json:"content_base64"`
}

// composeRecipient is a recipient as POST …/recipients takes it, with the
// fields placed for it.
type composeRecipient struct {
	addRecipientRequest
	Fields []composeField `json:"fields"`
}

// composeField is a field as POST …/fields takes it; Document is an index
// into the request's documents, 0 (the first) by default.
type composeField struct {
	Document int `json:"document"`
	fieldPlacement
}

// base64Content is a document's bytes in a JSON string, standard base64.
// It is decoded straight from the decoder's buffer, so the document is not
// also held as a string; a bad value is kept, to be reported with the
// document's index.
type base64Content struct {
	data []byte
	set  bool
	err  string
}

// UnmarshalJSON decodes a base64 string; it never fails, see base64Content.
func (c *base64Content) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	c.set = true
	if len(b) < 2 || b[0] != '"' {
		c.err = "must be a string: the PDF in base64"
		return nil
	}
	raw := b[1 : len(b)-1]
	if bytes.IndexByte(raw, '\\') >= 0 { // JSON escapes, such as \/ or \n
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		raw = []byte(s)
	}
	c.data = make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(c.data, raw)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		c.data, c.err = nil, "is not valid base64 (standard alphabet, padded): bad data at byte "+strconv.FormatInt(int64(corrupt), 10)
		return nil
	}
	c.data = c.data[:n]
	return nil
}

// createEnvelope creates a draft from JSON, or a whole envelope from JSON
// with base64 documents or from multipart/form-data (see readCompose).
func (a *api) createEnvelope(w http.ResponseWriter, r *http.Request) error {
	body := &watchedReader{r: r.Body}
	r.Body = readCloser{body, r.Body}
	d, asked, err := a.compose(r)
	if body.tooLarge || isTooLarge(err) {
		return a.bodyTooLarge(composeBody)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/envelopes/"+d.Envelope.ID)
	return writeJSON(w, http.StatusCreated, newComposeResponse(d, asked))
}

// readCloser reads through a watchedReader and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// compose composes the envelope the request describes; it reports whether
// the request asked for signing URLs.
func (a *api) compose(r *http.Request) (*esign.Composed, bool, error) {
	req, docs, err := a.readCompose(r)
	if err != nil {
		return nil, false, err
	}
	in, err := req.input()
	if err != nil {
		return nil, false, err
	}
	d, err := a.svc.Compose(r.Context(), principal(r), in, docs)
	return d, in.SigningURLs, err
}

// readCompose reads the request: JSON, with documents in base64, or
// multipart, with the JSON in a first part named envelope and the documents
// in the parts named file after it, in order, streamed as they come.
func (a *api) readCompose(r *http.Request) (*createEnvelopeRequest, iter.Seq2[esign.DocumentUpload, error], error) {
	if isMultipart(r) {
		return a.readMultipartCompose(r)
	}
	var req createEnvelopeRequest
	if err := decodeJSON(r, &req); err != nil {
		return nil, nil, err
	}
	docs, err := req.documents()
	return &req, docs, err
}

func isMultipart(r *http.Request) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == "multipart/form-data"
}

// input is the request for the domain.
func (req *createEnvelopeRequest) input() (esign.ComposeInput, error) {
	in := esign.ComposeInput{CreateEnvelopeInput: esign.CreateEnvelopeInput{
		Name: req.Name, Subject: req.Subject, Message: req.Message, ExpiresAt: req.ExpiresAt,
		Reminders: req.domain(), TeamID: req.TeamID,
	}, SigningURLs: req.SigningURLs}
	switch req.Status {
	case "", composeDraft:
	case composeSent:
		in.Send = true
	default:
		return in, esign.Invalid("status", "must be draft or sent")
	}
	for _, rc := range req.Recipients {
		cr := esign.ComposeRecipient{RecipientInput: rc.input()}
		for _, f := range rc.Fields {
			cr.Fields = append(cr.Fields, esign.ComposeField{FieldInput: f.input(), Document: f.Document})
		}
		in.Recipients = append(in.Recipients, cr)
	}
	return in, nil
}

// documents checks the base64 documents and streams them.
func (req *createEnvelopeRequest) documents() (iter.Seq2[esign.DocumentUpload, error], error) {
	for i, d := range req.Documents {
		member := "documents[" + strconv.Itoa(i) + "].content_base64"
		switch {
		case !d.ContentBase64.set:
			return nil, esign.Invalid(member, "is required: the PDF in base64")
		case d.ContentBase64.err != "":
			return nil, esign.Invalid(member, d.ContentBase64.err)
		}
	}
	return func(yield func(esign.DocumentUpload, error) bool) {
		for _, d := range req.Documents {
			if !yield(esign.DocumentUpload{Name: d.Name, Body: bytes.NewReader(d.ContentBase64.data)}, nil) {
				return
			}
		}
	}, nil
}

// readMultipartCompose reads the envelope part; the file parts after it
// are read as the domain stores them.
func (a *api) readMultipartCompose(r *http.Request) (*createEnvelopeRequest, iter.Seq2[esign.DocumentUpload, error], error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, badMultipart("the multipart body has no boundary: %v", err)
	}
	part, err := mr.NextPart()
	switch {
	case isTooLarge(err):
		return nil, nil, err
	case err != nil && !errors.Is(err, io.EOF):
		return nil, nil, badMultipart("the multipart body is malformed: %v", err)
	case err != nil || part.FormName() != "envelope":
		return nil, nil, badMultipart("the first part must be named envelope and hold the envelope's JSON; the documents follow in parts named file")
	}
	defer part.Close()
	var req createEnvelopeRequest
	limited := &watchedReader{r: http.MaxBytesReader(nil, part, maxJSONBytes)}
	if err := decodeJSONFrom(limited, &req); err != nil {
		if limited.tooLarge {
			return nil, nil, invalidJSON("the envelope part is larger than 1 MiB")
		}
		return nil, nil, err
	}
	if len(req.Documents) > 0 {
		return nil, nil, esign.Invalid("documents", "a multipart request sends each document in a part named file, after the envelope part")
	}
	return &req, fileParts(mr), nil
}

// fileParts streams the parts named file, each a document named by its
// file name. Any other part is refused.
func fileParts(mr *multipart.Reader) iter.Seq2[esign.DocumentUpload, error] {
	return func(yield func(esign.DocumentUpload, error) bool) {
		for {
			part, err := mr.NextPart()
			switch {
			case errors.Is(err, io.EOF):
				return
			case isTooLarge(err):
				yield(esign.DocumentUpload{}, err)
				return
			case err != nil:
				yield(esign.DocumentUpload{}, badMultipart("the multipart body is malformed: %v", err))
				return
			case part.FormName() != "file":
				part.Close()
				yield(esign.DocumentUpload{}, badMultipart("unexpected part %q: after the envelope part, send each document in a part named file", part.FormName()))
				return
			}
			more := yield(esign.DocumentUpload{Name: part.FileName(), Body: part}, nil)
			part.Close()
			if !more {
				return
			}
		}
	}
}

func badMultipart(format string, args ...any) error {
	return esign.Errorf(esign.KindBadRequest, codeInvalidMultipart, format, args...)
}
