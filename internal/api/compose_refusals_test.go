package api

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// edit changes a leaseBody: the JSON path of a member, then its new value.
type edit struct {
	path  string // e.g. "recipients.1.fields.0.page"; "" sets nothing
	value any
}

// editedLease is leaseBody("sent") with the edits applied; a nil value
// deletes the member.
func editedLease(t *testing.T, edits ...edit) map[string]any {
	t.Helper()
	body := leaseBody("sent")
	for _, ed := range edits {
		keys := strings.Split(ed.path, ".")
		var at any = body
		for _, k := range keys[:len(keys)-1] {
			at = child(t, at, k)
		}
		last := keys[len(keys)-1]
		switch node := at.(type) {
		case map[string]any:
			if ed.value == nil {
				delete(node, last)
			} else {
				node[last] = ed.value
			}
		case []any:
			node[index(t, last)] = ed.value
		}
	}
	return body
}

func child(t *testing.T, node any, key string) any {
	t.Helper()
	if m, ok := node.(map[string]any); ok {
		return m[key]
	}
	return node.([]any)[index(t, key)]
}

func index(t *testing.T, s string) int {
	t.Helper()
	var i int
	if err := json.Unmarshal([]byte(s), &i); err != nil {
		t.Fatalf("bad index %q", s)
	}
	return i
}

// Each bad input gets the one-by-one routes' status and code, names the
// member it is about, and leaves no envelope and no blob behind.
func TestComposeRefusals(t *testing.T) {
	b64 := func(b []byte) map[string]any {
		return map[string]any{"name": "x.pdf", "content_base64": base64.StdEncoding.EncodeToString(b)}
	}
	many := make([]any, esign.MaxDocumentsPerEnvelope+1)
	for i := range many {
		many[i] = b64(testPDF)
	}
	tests := []struct {
		name   string
		body   any // a leaseBody edit, or a whole body
		status int
		code   string
		member string
	}{
		{"bad base64", edit{"documents.0.content_base64", "%%%not-base64"}, 422, esign.CodeValidation, "documents[0].content_base64"},
		{"base64 not a string", edit{"documents.0.content_base64", 12}, 422, esign.CodeValidation, "documents[0].content_base64"},
		{"no content", edit{"documents.0.content_base64", nil}, 422, esign.CodeValidation, "documents[0].content_base64"},
		{"not a PDF", edit{"documents", []any{b64(testPDF), b64([]byte("hello, not a PDF"))}}, 422, esign.CodeInvalidPDF, "documents[1]"},
		{"too many documents", edit{"documents", many}, 422, esign.CodeValidation, "documents"},
		{"field past the last page", edit{"recipients.1.fields.0.page", 3}, 422, esign.CodeValidation, "recipients[1].fields[0].page"},
		{"unknown document index", edit{"recipients.1.fields.0.document", 1}, 422, esign.CodeValidation, "recipients[1].fields[0].document"},
		{"bad field type", edit{"recipients.0.fields.1.type", "stamp"}, 422, esign.CodeValidation, "recipients[0].fields[1].type"},
		{"bad role", edit{"recipients.1.role", "boss"}, 422, esign.CodeValidation, "recipients[1].role"},
		{"unsupported auth", edit{"recipients.0.auth", "retina"}, 422, esign.CodeUnsupportedAuth, "recipients[0].auth"},
		{"sms without phone", edit{"recipients.0.auth", "sms_otp"}, 422, esign.CodeValidation, "recipients[0].phone"},
		{"signer without a signature field", edit{"recipients.1.fields", []any{}}, 422, esign.CodeIncomplete, "recipients[1]"},
		{"bad status", edit{"status", "completed"}, 422, esign.CodeValidation, "status"},
		{"no name", edit{"name", nil}, 422, esign.CodeValidation, "name"},
		{"unknown member", edit{"recipients.0.fields.0.document_id", "doc_x"}, 400, esign.CodeInvalidJSON, ""},
		{"multipart without envelope part", composeMultipart(t, nil, "lease.pdf"), 400, codeInvalidMultipart, ""},
		{"multipart file before envelope", composeMultipart(t, nil, "lease.pdf", "envelope=x.json"), 400, codeInvalidMultipart, ""},
		{"multipart with base64 documents", composeMultipart(t, leaseBody("sent"), "lease.pdf"), 422, esign.CodeValidation, "documents"},
		{"multipart unknown part", composeMultipart(t, map[string]any{"name": "x"}, "lease.pdf", "attachment=b.pdf"), 400, codeInvalidMultipart, ""},
		{"multipart field on a missing file", composeMultipart(t, editedLease(t, edit{"documents", nil}, edit{"recipients.1.fields.0.document", 1}), "lease.pdf"),
			422, esign.CodeValidation, "recipients[1].fields[0].document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			token := e.register("olive@example.com")
			body := tt.body
			if ed, ok := body.(edit); ok {
				body = editedLease(t, ed)
			}
			w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: body}), tt.status, tt.code)
			if p := decode[problem](t, w); tt.member != "" && (p.Errors[tt.member] == "" || !strings.HasPrefix(p.Detail, tt.member)) {
				t.Errorf("the problem does not name %s: %s", tt.member, w.Body)
			}
			e.noTrace(token)
		})
	}
}

// The documents of one request share the upload limit, and a body over
// the route's limit is refused before it is read.
func TestComposeTooLarge(t *testing.T) {
	limit := int64(len(testPDF))*2 + 100
	e := newEnv(t, func(c *Config) { c.MaxUploadBytes = limit })
	token := e.register("olive@example.com")
	three := editedLease(t, edit{"documents", []any{
		leaseBody("")["documents"].([]any)[0], leaseBody("")["documents"].([]any)[0], leaseBody("")["documents"].([]any)[0]}})
	w := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: three}), 413, esign.CodeTooLarge)
	if p := decode[problem](t, w); p.Errors["documents[2]"] == "" {
		t.Errorf("the problem does not name documents[2]: %s", w.Body)
	}
	e.noTrace(token)
	big := composeMultipart(t, map[string]any{"name": "x"}, "a.pdf", "b.pdf", "c.pdf")
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: big}), 413, esign.CodeTooLarge)
	e.noTrace(token)
	// A chunked body is cut off where it passes the limit.
	padded := `{"name": "x", "message": "` + strings.Repeat("A", int(e.a.composeLimit())) + `"}`
	w = e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: io.MultiReader(strings.NewReader(padded)),
		header: map[string]string{"Content-Type": "application/json"}}), 413, esign.CodeTooLarge)
	if p := decode[problem](t, w); !strings.Contains(p.Detail, "documents may total") {
		t.Errorf("the problem does not give the limits: %s", w.Body)
	}
	e.noTrace(token)
	huge := `{"name": "x", "documents": [{"content_base64": "` + strings.Repeat("A", int(e.a.composeLimit())) + `"}]}`
	w = e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: huge}), 413, esign.CodeTooLarge)
	if w.Header().Get("Connection") != "close" {
		t.Error("a body declared too large was not refused before reading")
	}
	e.noTrace(token)
}
