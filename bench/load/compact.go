package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// The compact flow (-flow compact) drives the same envelope with the
// requests an integration that knows GSign's API would make: one request
// creates the envelope with its document, signers and fields and sends it
// (POST /api/v1/envelopes with documents, recipients and status "sent"); each
// signer finishes with one request that fills its field and completes
// (POST /signing/{token}/complete with fields); and the sender waits for
// the sealed result with a conditional GET that the server holds until the
// envelope changes (If-None-Match and Prefer: wait), instead of polling.
// That is 1 + 3×3 + about 2 requests per envelope, against 21 and the
// polls of the step-by-step flow. With embedded signers (-embedded) the
// create request also asks for their signing URLs ("signing_urls": true,
// unless -compose-urls=false), which makes it 1 + 3×2 + about 2.

// waitSeconds is how long one waiting GET may be held; below the client's
// default timeout of a minute.
const waitSeconds = 30

// compose creates and sends the envelope in one request.
func (f *flow) compose(ctx context.Context) error {
	recips := make([]map[string]any, signers)
	for i := range signers {
		recips[i] = map[string]any{"name": fmt.Sprintf("Signer %d", i+1), "email": fmt.Sprintf("signer%d-%d@example.com", i+1, f.index),
			"role": "signer", "routing_order": 1, "embedded": f.embedded,
			"fields": []map[string]any{{"document": 0, "type": "signature", "page": 1,
				"x": 72, "y": 120 + 120*i, "width": 200, "height": 50, "required": true}}}
	}
	in := map[string]any{"name": fmt.Sprintf("Load test %d", f.index), "status": "sent", "recipients": recips,
		"documents": []map[string]string{{"name": "contract.pdf", "content_base64": base64.StdEncoding.EncodeToString(f.pdf)}}}
	if f.wantsComposeURLs() {
		in["signing_urls"] = true
	}
	var env struct {
		ID         string   `json:"id"`
		Recipients []idOnly `json:"recipients"`
		Fields     []struct {
			ID          string `json:"id"`
			RecipientID string `json:"recipient_id"`
		} `json:"fields"`
		SigningURLs []struct {
			RecipientID string `json:"recipient_id"`
			URL         string `json:"url"`
		} `json:"signing_urls"`
	}
	if err := f.c.call(ctx, "compose", "POST", "/api/v1/envelopes", in, &env); err != nil {
		return err
	}
	if len(env.Recipients) != signers || len(env.Fields) != signers {
		return fmt.Errorf("compose: %d recipients and %d fields in the answer, want %d of each", len(env.Recipients), len(env.Fields), signers)
	}
	f.base = "/api/v1/envelopes/" + env.ID
	for i, r := range env.Recipients {
		f.recips[i] = r.ID
		for _, fl := range env.Fields {
			if fl.RecipientID == r.ID {
				f.fields[i] = fl.ID
			}
		}
		for _, u := range env.SigningURLs {
			if u.RecipientID == r.ID {
				f.urls[i] = u.URL
			}
		}
	}
	if f.wantsComposeURLs() && len(env.SigningURLs) != signers {
		return fmt.Errorf("compose: %d signing URLs in the answer, want %d", len(env.SigningURLs), signers)
	}
	return nil
}

// wantsComposeURLs: the create request asks for the signing URLs.
func (f *flow) wantsComposeURLs() bool { return f.embedded && f.composeURLs }

// completeWithField fills signer i's field and completes, in one request.
func (f *flow) completeWithField(ctx context.Context, session string, i int, sig any) error {
	in := map[string]any{"fields": map[string]any{f.fields[i]: sig}}
	return f.c.callPublic(ctx, "complete", "POST", session+"/complete", in, nil)
}

// waitChanges gets the envelope, then asks again with its ETag and
// Prefer: wait, which the server answers when the envelope changes (200)
// or the wait runs out (304), until it is sealed.
func (f *flow) waitChanges(ctx context.Context) (time.Time, error) {
	deadline := time.Now().Add(f.sealTimeout)
	r := request{kind: "poll", method: "GET", path: f.base, auth: true}
	for {
		res, err := f.c.send(ctx, r, true)
		if err != nil {
			return time.Time{}, err
		}
		if res.status != http.StatusNotModified {
			var env envelopeState
			if err := decode(r.kind, res.body, &env); err != nil {
				return time.Time{}, err
			}
			if done, err := env.sealed(f.base); done || err != nil {
				return time.Now(), err
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%s: not sealed after %s", f.base, f.sealTimeout)
		}
		r.kind, r.header = "wait", map[string]string{"If-None-Match": res.etag, "Prefer": fmt.Sprintf("wait=%d", waitSeconds)}
	}
}
