package api

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// batchEnvelope is a sent envelope: Ana (routing order 1) has a signature,
// a required text field and a date; Bea (order 2) has a signature.
type batchEnvelope struct {
	e                     *env
	sender, id            string
	ana, bea              recipientResponse
	sig, text, date, beas fieldResponse
	link                  string // Ana's signing token
}

func (e *env) batchEnvelope(sender string) *batchEnvelope {
	e.t.Helper()
	b := &batchEnvelope{e: e, sender: sender}
	var docID string
	b.id, docID = e.draft(sender)
	base := "/api/v1/envelopes/" + b.id
	recipient := func(name, email string, order int) recipientResponse {
		return decode[recipientResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/recipients", token: sender,
			body: map[string]any{"name": name, "email": email, "routing_order": order}}), 201, ""))
	}
	field := func(rid, typ string, y int) fieldResponse {
		return decode[fieldResponse](e.t, e.expect(e.do(req{method: "POST", path: base + "/fields", token: sender, body: map[string]any{
			"document_id": docID, "recipient_id": rid, "type": typ, "page": 1, "x": 72, "y": y, "width": 200, "height": 30}}), 201, ""))
	}
	b.ana, b.bea = recipient("Ana", "ana@example.com", 1), recipient("Bea", "bea@example.com", 2)
	b.sig, b.text, b.date = field(b.ana.ID, "signature", 600), field(b.ana.ID, "text", 500), field(b.ana.ID, "date_signed", 400)
	b.beas = field(b.bea.ID, "signature", 300)
	e.expect(e.do(req{method: "POST", path: base + "/send", token: sender}), 200, "")
	e.drain()
	link, err := e.mail.TokenFor("ana@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	b.link = link
	return b
}

// complete posts Ana's completion with body.
func (b *batchEnvelope) complete(body any) *httptest.ResponseRecorder {
	return b.e.do(req{method: "POST", path: "/api/v1/signing/" + b.link + "/complete", body: body})
}

// detail is the envelope as the sender sees it.
func (b *batchEnvelope) detail() envelopeDetailResponse {
	b.e.t.Helper()
	return decode[envelopeDetailResponse](b.e.t, b.e.expect(b.e.do(req{method: "GET", path: "/api/v1/envelopes/" + b.id, token: b.sender}), 200, ""))
}

// wantUntouched checks that nothing of Ana's was filled or finished, and
// that no signature (whose row holds its image) was stored.
func (b *batchEnvelope) wantUntouched() {
	b.e.t.Helper()
	d := b.detail()
	for _, f := range d.Fields {
		if f.Filled {
			b.e.t.Errorf("field %s (%s) was filled: %q", f.ID, f.Type, f.Value)
		}
	}
	if d.Recipients[0].Status == "completed" {
		b.e.t.Error("Ana was completed")
	}
	var sigs []*esign.Signature
	err := b.e.svc.Store.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		sigs, err = tx.SignaturesByEnvelope(ctx, b.id)
		return err
	})
	if err != nil || len(sigs) > 0 {
		b.e.t.Errorf("signatures stored: %d %v", len(sigs), err)
	}
}

func batchBody(fields map[string]any) map[string]any { return map[string]any{"fields": fields} }

var typedAna = map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ana Signer"}}

// TestCompleteWithFields fills a typed signature and a text field and
// finishes Ana in one request; the date is filled by GSign, and Bea's turn
// comes.
func TestCompleteWithFields(t *testing.T) {
	e := newEnv(t)
	b := e.batchEnvelope(e.register("olive@example.com"))
	w := e.expect(b.complete(batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": "Apartment 4B"}})), 200, "")
	if r := decode[signingRecipientResponse](t, w); r.Status != "completed" || r.ID != b.ana.ID {
		t.Errorf("the response: %+v", r)
	}
	got := map[string]fieldResponse{}
	for _, f := range b.detail().Fields {
		got[f.ID] = f
	}
	if f := got[b.text.ID]; f.Value != "Apartment 4B" || !f.Filled {
		t.Errorf("the text field: %+v", f)
	}
	if !got[b.sig.ID].Filled || !got[b.date.ID].Filled || got[b.beas.ID].Filled {
		t.Errorf("filled: signature %v, date %v, Bea's %v", got[b.sig.ID].Filled, got[b.date.ID].Filled, got[b.beas.ID].Filled)
	}
	e.drain()
	if _, err := e.mail.TokenFor("bea@example.com"); err != nil {
		t.Errorf("Bea was not asked to sign: %v", err)
	}
}

// TestCompleteWithFieldsAuditsAsOneByOne: the audit trail of one request is
// the one filling field by field and then completing leaves, in order.
func TestCompleteWithFieldsAuditsAsOneByOne(t *testing.T) {
	e := newEnv(t)
	sender := e.register("olive@example.com")
	one, batch := e.batchEnvelope(sender), e.batchEnvelope(sender)
	sp := "/api/v1/signing/" + one.link
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + one.sig.ID, body: typedAna}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + one.text.ID, body: map[string]any{"value": "Apartment 4B"}}), 200, "")
	e.expect(e.do(req{method: "POST", path: sp + "/complete"}), 200, "")
	// The body names the text field first: the envelope's order still rules.
	e.expect(batch.complete(`{"fields": {"`+batch.text.ID+`": {"value": "Apartment 4B"}, "`+batch.sig.ID+`": {"signature": {"kind": "typed", "text": "Ana Signer"}}}}`), 200, "")
	want, got := auditShape(t, e, sender, one.id), auditShape(t, e, sender, batch.id)
	if !slices.Equal(got, want) {
		t.Errorf("audit trail of one request:\n%s\nfield by field:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.ContainsFunc(got, func(l string) bool {
		return strings.HasPrefix(l, "field_filled") && strings.HasSuffix(l, "type=text value=Apartment 4B")
	}) {
		t.Errorf("no field_filled event of the text in %v", got)
	}
}

// auditShape lists an envelope's audit events as their type and data, ids
// and hashes left out: they differ between envelopes.
func auditShape(t *testing.T, e *env, sender, id string) []string {
	t.Helper()
	var rep struct {
		Events []struct {
			Type string            `json:"type"`
			Data map[string]string `json:"data"`
		} `json:"events"`
	}
	w := e.expect(e.do(req{method: "GET", path: "/api/v1/envelopes/" + id + "/audit", token: sender}), 200, "")
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range rep.Events {
		line := ev.Type
		for _, k := range slices.Sorted(maps.Keys(ev.Data)) {
			if !strings.Contains(k, "sha256") {
				line += " " + k + "=" + idPattern.ReplaceAllString(ev.Data[k], "<id>")
			}
		}
		out = append(out, line)
	}
	return out
}

// TestCompleteWithFieldsRefusals: every refusal fills nothing, finishes
// nobody and leaves no signature image behind.
func TestCompleteWithFieldsRefusals(t *testing.T) {
	e := newEnv(t)
	b := e.batchEnvelope(e.register("olive@example.com"))
	for _, c := range []struct {
		name   string
		body   any
		status int
		code   string
		names  string // a member of the problem's errors, or a text of its detail
	}{
		{"a required field still missing", batchBody(map[string]any{b.sig.ID: typedAna}), 422, esign.CodeMissingFields, b.text.ID},
		{"a bad text value", batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": "two\nlines"}}), 422, esign.CodeValidation, "fields." + b.text.ID + ".value"},
		{"an empty text value", batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": " "}}), 422, esign.CodeValidation, "fields." + b.text.ID + ".value"},
		{"a bad signature font", batchBody(map[string]any{b.sig.ID: map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ana", "font": "comic-sans"}}, b.text.ID: map[string]any{"value": "x"}}), 422, esign.CodeValidation, "fields." + b.sig.ID + ".signature.font"},
		{"bad base64", batchBody(map[string]any{b.sig.ID: map[string]any{"signature": map[string]any{"kind": "draw", "image_png_base64": "%%%"}}, b.text.ID: map[string]any{"value": "x"}}), 422, esign.CodeValidation, "fields." + b.sig.ID + ".signature.image_png_base64"},
		{"a value for a signature", batchBody(map[string]any{b.sig.ID: map[string]any{"value": "Ana"}, b.text.ID: map[string]any{"value": "x"}}), 422, esign.CodeValidation, "fields." + b.sig.ID + ".signature"},
		{"a field GSign fills", batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": "x"}, b.date.ID: map[string]any{"value": "2026-05-01"}}), 422, esign.CodeFieldAutoFilled, "fields." + b.date.ID},
		{"an unknown field id", batchBody(map[string]any{b.sig.ID: typedAna, "fld_nope": map[string]any{"value": "x"}}), 404, esign.CodeNotFound, "fld_nope"},
		{"another recipient's field", batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": "x"}, b.beas.ID: typedAna}), 404, esign.CodeNotFound, b.beas.ID},
		{"an unknown member", `{"fields": {"` + b.text.ID + `": {"value": "x", "colour": "red"}}}`, 400, esign.CodeInvalidJSON, "colour"},
		{"fields that are not an object", `{"fields": ["x"]}`, 400, esign.CodeInvalidJSON, "fields"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.expect(b.complete(c.body), c.status, c.code)
			if p := problemOf(t, w); p.Errors[c.names] == "" && !strings.Contains(p.Detail, c.names) {
				t.Errorf("the problem does not name %s: %s", c.names, w.Body)
			}
			b.wantUntouched()
		})
	}
}

// TestCompleteWithFieldsConflicts: a field filled before, a finished
// recipient and a recipient whose turn has not come are refused as on the
// single-field route, and nothing is filled.
func TestCompleteWithFieldsConflicts(t *testing.T) {
	e := newEnv(t)
	b := e.batchEnvelope(e.register("olive@example.com"))
	sp := "/api/v1/signing/" + b.link
	e.expect(e.do(req{method: "POST", path: sp + "/fields/" + b.text.ID, body: map[string]any{"value": "first"}}), 200, "")
	w := e.expect(b.complete(batchBody(map[string]any{b.sig.ID: typedAna, b.text.ID: map[string]any{"value": "second"}})), 409, esign.CodeFieldFilled)
	if !strings.Contains(w.Body.String(), b.text.ID) {
		t.Errorf("the conflict does not name the field: %s", w.Body)
	}
	for _, f := range b.detail().Fields {
		if f.ID == b.sig.ID && f.Filled || f.ID == b.text.ID && f.Value != "first" {
			t.Errorf("after the conflict: %+v", f)
		}
	}

	// Bea holds a link before her turn (as if minted early): not her turn.
	secret, hash := esign.NewSecret(esign.SecretRecipient)
	err := e.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateRecipientToken(ctx, &esign.RecipientToken{Hash: hash, EnvelopeID: b.id, RecipientID: b.bea.ID, Kind: esign.TokenLink, CreatedAt: tx.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/signing/" + secret + "/complete", body: batchBody(map[string]any{b.beas.ID: typedAna})}), 409, esign.CodeNotYourTurn)

	e.expect(b.complete(batchBody(map[string]any{b.sig.ID: typedAna})), 200, "")
	e.expect(b.complete(batchBody(map[string]any{b.sig.ID: typedAna})), 410, esign.CodeLinkGone) // already completed
	e.expect(b.complete(nil), 410, esign.CodeLinkGone)
}

// TestCompleteWithFieldsNeedsRecipientAuth: without the proof, one request
// is refused like the single routes and fills nothing; with it, it signs.
func TestCompleteWithFieldsNeedsRecipientAuth(t *testing.T) {
	e := newEnv(t)
	a := e.sendWithAuth(e.register("olive@example.com"), map[string]any{"auth": "access_code", "access_code": "tulip-42"})
	body := batchBody(map[string]any{a.sig.ID: typedAna})
	w := e.expect(e.do(req{method: "POST", path: a.path("/complete"), body: body}), 401, esign.CodeRecipientAuthRequired)
	wantAuthRequired(t, e, w, esign.AuthAccessCode, "")
	e.expect(e.do(req{method: "POST", path: a.path("/complete"), body: body, header: proofHeader("gsp_forged")}), 401, esign.CodeRecipientAuthRequired)
	if r := a.recipient(); r.Status == "completed" {
		t.Fatal("completed without authenticating")
	}
	proof := decode[authResponse](t, e.expect(a.verify("tulip-42"), 200, "")).AuthProof
	e.expect(e.do(req{method: "POST", path: a.path("/complete"), body: body, header: proofHeader(proof)}), 200, "")
	if r := a.recipient(); r.Status != "completed" || r.AuthUsed != esign.AuthAccessCode {
		t.Errorf("after signing with the proof: %+v", r)
	}
}
