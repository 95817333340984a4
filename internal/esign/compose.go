package esign

import (
	"cmp"
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// ComposeInput is a whole envelope made in one call: the draft, its
// recipients each with the fields it fills, and whether to send it at once.
// The documents come apart from it, as a stream (see Compose).
type ComposeInput struct {
	CreateEnvelopeInput
	Recipients []ComposeRecipient
	// Send sends the envelope in the same transaction, exactly as Send does.
	Send bool
	// SigningURLs mints, once the envelope is sent and in the same
	// transaction, an embedded signing URL (as SigningURL does) for each
	// embedded recipient whose turn it is. It needs Send.
	SigningURLs bool
}

// Composed is a composed envelope as GetEnvelope shows it, and the signing
// URLs minted for it (ComposeInput.SigningURLs), in recipient order.
type Composed struct {
	*EnvelopeDetail
	SigningURLs []EmbeddedURL
}

// ComposeRecipient is a recipient with the fields placed for it.
type ComposeRecipient struct {
	RecipientInput
	Fields []ComposeField
}

// ComposeField is a field of a composed envelope. Document is an index
// into the documents, in the order they come; FieldInput's DocumentID and
// RecipientID are not used, since neither exists yet.
type ComposeField struct {
	FieldInput
	Document int
}

// DocumentUpload is one document of a composed envelope: its file name and
// its PDF, read once.
type DocumentUpload struct {
	Name string
	Body io.Reader
}

// composition is a ComposeInput checked as far as it can be without its
// documents, and then the documents stored for it.
type composition struct {
	in         ComposeInput
	recipients []*Recipient
	fields     [][]*Field // by recipient
	docs       []*Document
}

// Compose creates an envelope with its documents, recipients and fields,
// and sends it when in.Send, all or nothing. Everything that can be checked
// without the documents is checked before the first one is read; the
// documents are then streamed to blob storage and inspected as AddDocument
// does, and one transaction records the envelope with the same audit
// events (and, when sending, the same jobs) as the one-by-one calls would.
// On any failure no row is written and the stored blobs are deleted.
//
// Errors name the offending input element: "recipients[1].fields[0].page".
func (s *Service) Compose(ctx context.Context, p *Principal, in ComposeInput, docs iter.Seq2[DocumentUpload, error]) (*Composed, error) {
	c, err := s.prepareCompose(p, in)
	if err != nil {
		return nil, err
	}
	envelopeID := NewID(PrefixEnvelope, s.now())
	err = s.storeDocuments(ctx, c, envelopeID, docs)
	if err == nil {
		err = c.placeFields()
	}
	var d *Composed
	if err == nil {
		d, err = s.commitCompose(ctx, p, c, envelopeID)
	}
	if err != nil {
		for _, doc := range c.docs {
			s.deleteBlob(doc.BlobKey)
		}
		return nil, err
	}
	if in.Send {
		s.wake()
	}
	return d, nil
}

// prepareCompose checks the permissions, the envelope, its recipients and
// their fields, with the rules of CreateEnvelope, AddRecipient and AddField.
func (s *Service) prepareCompose(p *Principal, in ComposeInput) (*composition, error) {
	if err := p.Require(PermEnvelopeCreate); err != nil {
		return nil, err
	}
	if in.Send {
		if err := p.Require(PermEnvelopeSend); err != nil {
			return nil, err
		}
	} else if in.SigningURLs {
		return nil, Invalid("signing_urls", "needs the envelope sent (status sent): signing URLs exist only while it is out for signature")
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	if len(in.Recipients) > MaxRecipientsPerEnvelope {
		return nil, at("recipients", errTooManyRecipients())
	}
	c := &composition{in: in}
	fields := 0
	for i, rin := range in.Recipients {
		path := recipientPath(i)
		r, err := s.newRecipient(rin.RecipientInput)
		if err != nil {
			return nil, at(path, err)
		}
		if fields += len(rin.Fields); fields > MaxFieldsPerEnvelope {
			return nil, at(path+".fields", errTooManyFields())
		}
		fs, err := s.composeFields(r, rin.Fields, path)
		if err != nil {
			return nil, err
		}
		c.recipients, c.fields = append(c.recipients, r), append(c.fields, fs)
	}
	return c, nil
}

// composeFields validates recipient r's fields; path names r.
func (s *Service) composeFields(r *Recipient, in []ComposeField, path string) ([]*Field, error) {
	fs := make([]*Field, 0, len(in))
	for j, cf := range in {
		fpath := path + ".fields[" + strconv.Itoa(j) + "]"
		f, err := cf.validate()
		if err != nil {
			return nil, at(fpath, err)
		}
		if cf.Document < 0 {
			return nil, at(fpath, Invalid("document", "must not be negative"))
		}
		// The field belongs to r by its place in the request, so a refusal
		// of "recipient_id" is about the field itself.
		if err := checkFieldRecipient(s.Stamper, r, f); err != nil {
			return nil, at(fpath, unnamed(err, "recipient_id"))
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// storeDocuments stores and inspects each document as it comes. Together
// they may have at most Config.MaxUploadBytes, the limit of one upload.
func (s *Service) storeDocuments(ctx context.Context, c *composition, envelopeID string, docs iter.Seq2[DocumentUpload, error]) error {
	if docs == nil {
		return nil
	}
	budget := s.Config.MaxUploadBytes
	for up, err := range docs {
		if err != nil {
			return err
		}
		if len(c.docs) >= MaxDocumentsPerEnvelope {
			return at("documents", errTooManyDocuments())
		}
		doc := newDocument(envelopeID, up.Name, s.now())
		if err := s.storeUpload(ctx, doc, up.Body, budget); err != nil {
			if IsKind(err, KindTooLarge) {
				err = Errorf(KindTooLarge, CodeTooLarge, "the documents of one request may total at most %d bytes", s.Config.MaxUploadBytes)
			}
			return at("documents["+strconv.Itoa(len(c.docs))+"]", err)
		}
		budget -= doc.Size
		c.docs = append(c.docs, doc)
	}
	return nil
}

// placeFields puts each field on its document, checking its page and box.
func (c *composition) placeFields() error {
	for i, fs := range c.fields {
		for j, f := range fs {
			path := recipientPath(i) + ".fields[" + strconv.Itoa(j) + "]"
			n := c.in.Recipients[i].Fields[j].Document
			if n >= len(c.docs) {
				return at(path, Invalid("document", "is not an index into documents: there are "+strconv.Itoa(len(c.docs))+", counted from 0"))
			}
			if err := checkFieldOnPage(c.docs[n], f); err != nil {
				return at(path, err)
			}
			f.DocumentID = c.docs[n].ID
		}
	}
	return nil
}

// commitCompose records the composed envelope in one transaction, and sends
// it and mints its signing URLs when asked. The answer is the envelope as
// GetEnvelope shows it.
func (s *Service) commitCompose(ctx context.Context, p *Principal, c *composition, envelopeID string) (*Composed, error) {
	var d *Composed
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		d = &Composed{}
		e, err := createDraft(ctx, tx, p, envelopeID, c.in.CreateEnvelopeInput)
		if err != nil {
			return err
		}
		var paths map[string]string
		if d.EnvelopeDetail, paths, err = c.insert(ctx, tx, p, e); err != nil || !c.in.Send {
			return err
		}
		if err := placeIncomplete(s.sendDraft(ctx, tx, p, d.EnvelopeDetail), paths); err != nil || !c.in.SigningURLs {
			return err
		}
		d.SigningURLs, err = s.mintComposedURLs(ctx, tx, p, d.EnvelopeDetail)
		return err
	})
	return d, err
}

// mintComposedURLs mints a signing URL for each embedded recipient of the
// envelope just sent whose turn it is.
func (s *Service) mintComposedURLs(ctx context.Context, tx Tx, p *Principal, d *EnvelopeDetail) ([]EmbeddedURL, error) {
	var urls []EmbeddedURL
	for _, r := range d.Recipients {
		c := &signingContext{Envelope: d.Envelope, Recipients: d.Recipients, Recipient: r}
		if !r.Embedded || checkURLAllowed(c) != nil {
			continue
		}
		u, err := s.mintSigningURL(ctx, tx, p, c, SigningURLOptions{})
		if err != nil {
			return nil, err
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// insert records copies of the documents, recipients and fields (the
// transaction may run more than once, and sending changes recipients). It
// returns the envelope as GetEnvelope would read it back, with no need to
// (the copies in the order the store lists them: documents by position,
// recipients by routing order then as added, fields as added), and the
// request path of each recipient by its new id.
func (c *composition) insert(ctx context.Context, tx Tx, p *Principal, e *Envelope) (*EnvelopeDetail, map[string]string, error) {
	d := &EnvelopeDetail{Envelope: e, EnvelopeContents: EnvelopeContents{Documents: make([]*Document, 0, len(c.docs)),
		Recipients: make([]*Recipient, 0, len(c.recipients)), Fields: []*Field{}}}
	for i, doc := range c.docs {
		doc := *doc
		if err := insertDocument(ctx, tx, p, e, &doc, i); err != nil {
			return nil, nil, err
		}
		d.Documents = append(d.Documents, &doc)
	}
	paths := make(map[string]string, len(c.recipients))
	for i, r := range c.recipients {
		r := *r
		if err := insertRecipient(ctx, tx, p, e, &r, i); err != nil {
			return nil, nil, err
		}
		d.Recipients, paths[r.ID] = append(d.Recipients, &r), recipientPath(i)
		for _, f := range c.fields[i] {
			f := *f
			f.RecipientID = r.ID
			if err := insertField(ctx, tx, p, e, &f); err != nil {
				return nil, nil, err
			}
			d.Fields = append(d.Fields, &f)
		}
	}
	slices.SortStableFunc(d.Recipients, func(a, b *Recipient) int { return cmp.Compare(a.RoutingOrder, b.RoutingOrder) })
	return d, paths, nil
}

// placeIncomplete names the recipient an envelope_incomplete error is
// about by its place in the request.
func placeIncomplete(err error, paths map[string]string) error {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeIncomplete {
		if path, ok := paths[e.Details["recipient_id"]]; ok {
			return at(path, err)
		}
	}
	return err
}

func recipientPath(i int) string { return "recipients[" + strconv.Itoa(i) + "]" }

// at places an input error at the element of the request it is about: a
// validation error naming "page" names "recipients[1].fields[0].page"
// instead, and one that names nothing is about the element itself. Errors
// of other kinds than invalid and too large pass unchanged.
func at(path string, err error) error {
	var e *Error
	if !errors.As(err, &e) || (e.Kind != KindInvalid && e.Kind != KindTooLarge) {
		return err
	}
	out := *e
	name, msg := path, e.Message
	if len(e.Fields) == 1 {
		key := onlyKey(e.Fields)
		name, msg = path+"."+key, strings.TrimPrefix(msg, key+": ")
	}
	out.Fields = make(map[string]string, max(1, len(e.Fields)))
	for k, v := range e.Fields {
		out.Fields[path+"."+k] = v
	}
	if len(e.Fields) == 0 {
		out.Fields[path] = msg
	}
	out.Message = name + ": " + msg
	return &out
}

// unnamed drops field from a validation error, which is then about the
// element the caller places it at.
func unnamed(err error, field string) error {
	var e *Error
	if !errors.As(err, &e) || e.Fields[field] == "" {
		return err
	}
	out := *e
	out.Message = strings.TrimPrefix(e.Message, field+": ")
	out.Fields = nil
	return &out
}

func onlyKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}
