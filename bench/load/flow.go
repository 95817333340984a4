package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// signers is how many signers each envelope has, all at routing order 1.
const signers = 3

// flow drives one envelope from creation to its sealed result.
type flow struct {
	c           *client
	pdf         []byte
	index       int
	download    bool // download and check the combined PDF
	embedded    bool // the signers are embedded: GSign emails them nothing
	compact     bool // the compact flow (compact.go) instead of step by step
	composeURLs bool // compact, embedded: the create request also answers the signing URLs
	pollMax     time.Duration
	sealTimeout time.Duration

	base   string // /api/v1/envelopes/{id}
	recips [signers]string
	fields [signers]string
	urls   [signers]string // signing URLs the compose answer carried
}

// outcome is what happened to one envelope.
type outcome struct {
	start        time.Time // its first request was sent
	lastComplete time.Time // its last signer's completion was answered
	sealed       time.Time // a poll saw it completed with its result ready
	err          error
}

type idOnly struct {
	ID string `json:"id"`
}

func (f *flow) run(ctx context.Context) (o outcome) {
	o.start = time.Now()
	steps := []func(context.Context) error{f.create, f.prepare, f.send}
	if f.compact {
		steps = []func(context.Context) error{f.compose}
	}
	for _, step := range steps {
		if o.err = step(ctx); o.err != nil {
			return o
		}
	}
	if o.err = f.signAll(ctx); o.err != nil {
		return o
	}
	o.lastComplete = time.Now()
	if o.sealed, o.err = f.waitSealed(ctx); o.err != nil {
		return o
	}
	if f.download {
		o.err = f.checkDownload(ctx)
	}
	return o
}

func (f *flow) create(ctx context.Context) error {
	var env idOnly
	if err := f.c.call(ctx, "create", "POST", "/api/v1/envelopes", map[string]string{"name": fmt.Sprintf("Load test %d", f.index)}, &env); err != nil {
		return err
	}
	f.base = "/api/v1/envelopes/" + env.ID
	return nil
}

// prepare uploads the document, then adds the signers and their fields.
func (f *flow) prepare(ctx context.Context) error {
	docID, err := f.upload(ctx)
	if err != nil {
		return err
	}
	for i := range signers {
		var r idOnly
		in := map[string]any{"name": fmt.Sprintf("Signer %d", i+1), "email": fmt.Sprintf("signer%d-%d@example.com", i+1, f.index),
			"role": "signer", "routing_order": 1, "embedded": f.embedded}
		if err := f.c.call(ctx, "recipient", "POST", f.base+"/recipients", in, &r); err != nil {
			return err
		}
		f.recips[i] = r.ID
	}
	for i := range signers {
		var fl idOnly
		in := map[string]any{"document_id": docID, "recipient_id": f.recips[i], "type": "signature", "page": 1,
			"x": 72, "y": 120 + 120*i, "width": 200, "height": 50, "required": true}
		if err := f.c.call(ctx, "field", "POST", f.base+"/fields", in, &fl); err != nil {
			return err
		}
		f.fields[i] = fl.ID
	}
	return nil
}

// upload sends the PDF as the multipart field "file", as a browser would.
func (f *flow) upload(ctx context.Context) (string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="contract.pdf"`)
	h.Set("Content-Type", "application/pdf")
	part, _ := w.CreatePart(h)
	part.Write(f.pdf)
	w.Close()
	body, err := f.c.do(ctx, request{kind: "upload", method: "POST", path: f.base + "/documents",
		body: b.Bytes(), ctype: w.FormDataContentType(), auth: true})
	if err != nil {
		return "", err
	}
	var doc idOnly
	if err := decode("upload", body, &doc); err != nil {
		return "", err
	}
	return doc.ID, nil
}

func (f *flow) send(ctx context.Context) error {
	return f.c.call(ctx, "send", "POST", f.base+"/send", nil, nil)
}

// signAll lets the three signers sign at once; the first error wins.
func (f *flow) signAll(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, signers)
	for i := range signers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.sign(ctx, i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sign is one signer's visit: an embedded signing URL, opened for a
// session token, the signature field filled, and completion.
func (f *flow) sign(ctx context.Context, i int) error {
	link := struct {
		URL string `json:"url"`
	}{f.urls[i]}
	if link.URL == "" {
		if err := f.c.call(ctx, "signing_url", "POST", f.base+"/recipients/"+f.recips[i]+"/signing-url", nil, &link); err != nil {
			return err
		}
	}
	token := link.URL[strings.LastIndex(link.URL, "/")+1:]
	if token == "" {
		return fmt.Errorf("signing_url: no token in %q", link.URL)
	}
	var view struct {
		SessionToken string `json:"session_token"`
	}
	if err := f.c.callPublic(ctx, "open", "GET", "/api/v1/signing/"+token, nil, &view); err != nil {
		return err
	}
	if view.SessionToken == "" {
		return errors.New("open: no session_token for an embedded signing URL")
	}
	session := "/api/v1/signing/" + view.SessionToken
	sig := map[string]any{"signature": map[string]string{"kind": "typed", "text": fmt.Sprintf("Signer %d", i+1)}}
	if f.compact {
		return f.completeWithField(ctx, session, i, sig)
	}
	if err := f.c.callPublic(ctx, "fill", "POST", session+"/fields/"+f.fields[i], sig, nil); err != nil {
		return err
	}
	return f.c.callPublic(ctx, "complete", "POST", session+"/complete", nil, nil)
}

// waitSealed polls the envelope until it is completed with its result
// ready. The pause starts at 5 ms and grows by half each time up to
// pollMax: a sealing lag is over-stated by at most a third of itself (or
// pollMax), and a backlog of envelopes waiting to be sealed does not turn
// into a flood of polls that slows the server further.
func (f *flow) waitSealed(ctx context.Context) (time.Time, error) {
	if f.compact {
		return f.waitChanges(ctx)
	}
	deadline := time.Now().Add(f.sealTimeout)
	pause := 5 * time.Millisecond
	for {
		var env envelopeState
		if err := f.c.call(ctx, "poll", "GET", f.base, nil, &env); err != nil {
			return time.Time{}, err
		}
		if done, err := env.sealed(f.base); done || err != nil {
			return time.Now(), err
		}
		switch {
		case time.Now().After(deadline):
			return time.Time{}, fmt.Errorf("%s: not sealed after %s (status %q, result %q)", f.base, f.sealTimeout, env.Status, env.ResultStatus)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*3/2, f.pollMax)
	}
}

// checkDownload fetches the sealed combined PDF and checks that it is one.
func (f *flow) checkDownload(ctx context.Context) error {
	body, err := f.c.do(ctx, request{kind: "download", method: "GET", path: f.base + "/download?part=combined", auth: true})
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(body, []byte("%PDF-")) {
		return fmt.Errorf("%s: the combined download is not a PDF: %q", f.base, truncate(string(body), 40))
	}
	return nil
}

// envelopeState is what a poll reads of the envelope.
type envelopeState struct {
	Status       string `json:"status"`
	ResultStatus string `json:"result_status"`
}

// sealed reports whether the envelope is completed with its result ready,
// and an error if sealing it failed.
func (e envelopeState) sealed(base string) (bool, error) {
	if e.ResultStatus == "failed" {
		return false, fmt.Errorf("%s: sealing failed", base)
	}
	return e.Status == "completed" && e.ResultStatus == "ready", nil
}
