package cli

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/testtool"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestEndToEnd runs the whole envelope flow over HTTP against the real
// wiring: two signers in parallel at order 1, one signer at order 2 and a cc,
// with the refusals along the way.
func TestEndToEnd(t *testing.T) {
	e := startServer(t)
	e.expect(e.do("GET", "/readyz", nil), 200, "")

	reg := e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "owner@example.com", "password": "correct horse battery", "name": "Olive Owner", "organization": "Acme"}), 201, "").json(t)
	e.token = reg["access_token"].(string)
	e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "OWNER@example.com", "password": "correct horse battery", "name": "x", "organization": "y"}), 409, "email_taken")

	env := e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Office lease", "message": "Please sign by Friday"}, "Idempotency-Key", "create-1"), 201, "")
	replay := e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Office lease", "message": "Please sign by Friday"}, "Idempotency-Key", "create-1")
	if replay.status != 201 || !bytes.Equal(replay.body, env.body) {
		t.Fatalf("idempotent replay differs: %d %s", replay.status, replay.body)
	}
	e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Other"}, "Idempotency-Key", "create-1"), 422, "idempotency_key_reused")
	envID := id(env.json(t))
	base := "/api/v1/envelopes/" + envID

	e.expect(e.do("POST", base+"/documents", pdfUpload("notes.txt", []byte("just text"))), 422, "invalid_pdf")
	pdf := esigntest.PDF(2, 612, 792)
	e.expect(e.do("POST", base+"/documents", pdfUpload("cut.pdf", pdf[:len(pdf)/2])), 422, "")
	doc := e.expect(e.do("POST", base+"/documents", pdfUpload("lease.pdf", pdf)), 201, "").json(t)
	if doc["pages"].(float64) != 2 {
		t.Fatalf("pages = %v", doc["pages"])
	}
	docID := id(doc)

	recips := map[string]string{}
	for _, r := range []struct {
		email, role string
		order       int
	}{{"ana@example.com", "signer", 1}, {"ben@example.com", "signer", 1}, {"cy@example.com", "signer", 2}, {"dee@example.com", "cc", 2}} {
		m := e.expect(e.do("POST", base+"/recipients", map[string]any{"name": strings.Title(strings.Split(r.email, "@")[0]), "email": r.email, "role": r.role, "routing_order": r.order}), 201, "").json(t)
		recips[r.email] = id(m)
	}
	field := func(who, typ string, page int, x, y, w, h float64) string {
		m := e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": recips[who], "type": typ, "page": page, "x": x, "y": y, "width": w, "height": h, "required": typ != "checkbox"}), 201, "").json(t)
		return id(m)
	}
	e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": recips["ana@example.com"], "type": "signature", "page": 1, "x": 500, "y": 700, "width": 200, "height": 50}), 422, "validation_failed")
	e.expect(e.do("POST", base+"/fields", `{"document_id": "`+docID+`", "type": `), 400, "invalid_json")
	e.expect(e.do("POST", base+"/send", nil), 422, "envelope_incomplete")

	anaSig := field("ana@example.com", "signature", 1, 72, 600, 200, 50)
	anaText := field("ana@example.com", "text", 1, 72, 680, 250, 20)
	benSig := field("ben@example.com", "signature", 1, 320, 600, 200, 50)
	benBox := field("ben@example.com", "checkbox", 2, 72, 100, 16, 16)
	cySig := field("cy@example.com", "signature", 2, 72, 600, 200, 50)
	cyDate := field("cy@example.com", "date_signed", 2, 300, 620, 120, 20)

	sent := e.expect(e.do("POST", base+"/send", nil), 200, "").json(t)
	if sent["status"] != "sent" {
		t.Fatalf("status after send %v", sent["status"])
	}
	e.expect(e.do("POST", base+"/send", nil), 409, "envelope_not_draft")
	e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "Late", "email": "late@example.com", "role": "signer", "routing_order": 1}), 409, "envelope_not_draft")
	e.expect(e.do("POST", base+"/recipients/"+recips["cy@example.com"]+"/signing-url", nil), 409, "not_your_turn")

	// Group 1, in parallel.
	ana, ben := e.linkFor("ana@example.com"), e.linkFor("ben@example.com")
	if e.findLink("cy@example.com") != "" {
		t.Fatal("cy was emailed before group 1 finished")
	}
	view := e.expect(e.do("GET", "/api/v1/signing/"+ana, nil), 200, "").json(t)
	if n := len(view["fields"].([]any)); n != 2 {
		t.Fatalf("ana sees %d fields, want her 2", n)
	}
	pdfResp := e.expect(e.do("GET", "/api/v1/signing/"+ana+"/documents/"+docID, nil), 200, "")
	if !bytes.Equal(pdfResp.body, pdf) {
		t.Fatal("signer was not served the original document")
	}
	sp := "/api/v1/signing/"
	e.expect(e.do("POST", sp+ana+"/fields/"+benSig, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ana"}}), 404, "")
	e.expect(e.do("POST", sp+ana+"/complete", nil), 422, "missing_required_fields")
	e.expect(e.do("POST", sp+ana+"/fields/"+anaSig, map[string]any{"signature": map[string]any{"kind": "draw", "image_png_base64": "%%%not-base64"}}), 422, "")
	e.expect(e.do("POST", sp+ana+"/fields/"+anaSig, map[string]any{"signature": map[string]any{"kind": "draw", "image_png_base64": signaturePNG(t)}}), 200, "")
	e.expect(e.do("POST", sp+ana+"/fields/"+anaSig, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Again"}}), 409, "field_already_filled")
	e.expect(e.do("POST", sp+ana+"/fields/"+anaText, map[string]any{"value": "Suite 400, Main Street"}), 200, "")
	e.expect(e.do("POST", sp+ana+"/complete", nil), 200, "")
	e.expect(e.do("GET", sp+ana, nil), 410, "link_gone")

	e.expect(e.do("POST", sp+ben+"/fields/"+benSig, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ben Bauer"}}), 200, "")
	e.expect(e.do("POST", sp+ben+"/fields/"+benBox, map[string]any{"value": "true"}), 200, "")
	e.expect(e.do("POST", sp+ben+"/complete", nil), 200, "")

	// Group 2.
	cy := e.linkFor("cy@example.com")
	e.expect(e.do("POST", sp+cy+"/fields/"+cyDate, map[string]any{"value": "1999-01-01"}), 422, "field_auto_filled")
	e.expect(e.do("POST", sp+cy+"/fields/"+cySig, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Cy Young"}}), 200, "")
	e.expect(e.do("GET", base+"/download?part=document", nil), 409, "")
	e.expect(e.do("POST", sp+cy+"/complete", nil), 200, "")
	e.expect(e.do("GET", sp+cy, nil), 410, "link_gone")

	final := waitResult(e, base)
	statuses := map[string]string{}
	for _, r := range final["recipients"].([]any) {
		m := r.(map[string]any)
		statuses[m["email"].(string)] = m["status"].(string)
	}
	for who, st := range statuses {
		if st != "completed" {
			t.Errorf("%s is %s, want completed", who, st)
		}
	}
	out := e.expect(e.do("GET", base+"/download?part=document", nil), 200, "")
	checkResultPDF(t, out.body, time.Now().UTC().Format("2006-01-02"))
	checkSealed(t, "document", out.body)
	cert := e.expect(e.do("GET", base+"/download?part=certificate", nil), 200, "")
	checkSealed(t, "certificate", cert.body)
	checkText(t, cert.body, "Certificate of Completion", "ana@example.com", "ben@example.com", "cy@example.com", docSHA(t, doc))
	combined := e.expect(e.do("GET", base+"/download?part=combined", nil), 200, "")
	checkSealed(t, "combined", combined.body)
	checkText(t, combined.body, "Suite 400, Main Street", "Certificate of Completion")
	evidence := e.expect(e.do("GET", base+"/download?part=evidence", nil), 200, "")
	checkEvidence(t, evidence.body, combined.body)
	checkVerify(t, e, combined.body)

	audit := e.expect(e.do("GET", base+"/audit", nil), 200, "").json(t)
	if audit["verified"] != true {
		t.Fatalf("audit chain not verified: %v", audit["problem"])
	}
	checkAuditTypes(t, audit, "created", "document_added", "recipient_added", "field_added", "sent", "viewed", "field_filled", "signed", "completed", "result_ready")

	other := &e2e{t: t, base: e.base}
	reg2 := other.expect(other.do("POST", "/api/v1/auth/register", map[string]any{"email": "eve@example.org", "password": "correct horse battery", "name": "Eve", "organization": "Evil"}), 201, "").json(t)
	other.token = reg2["access_token"].(string)
	other.expect(other.do("GET", base, nil), 404, "not_found")

	if logs := e.logs.String(); strings.Contains(logs, e.token) || strings.Contains(logs, reg["refresh_token"].(string)) {
		t.Fatal("a bearer token appears in the logs")
	}
	for _, tok := range []string{ana, ben, cy} {
		if strings.Contains(strings.ReplaceAll(e.logs.String(), "link=", ""), sp+tok) {
			t.Fatal("a signing token appears in a request log line")
		}
	}
}

func waitResult(e *e2e, base string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m := e.expect(e.do("GET", base, nil), 200, "").json(e.t)
		if m["status"] == "completed" && m["result_status"] == "ready" {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatal("envelope did not complete with a result in 30s")
	return nil
}

// checkResultPDF checks the result with poppler: the drawn text values are
// on the page, and the file is a valid PDF.
func checkResultPDF(t *testing.T, pdf []byte, today string) {
	t.Helper()
	requireTool(t, "pdftotext")
	requireTool(t, "qpdf")
	dir := t.TempDir()
	if keep := os.Getenv("GSIGN_TEST_ARTIFACTS"); keep != "" {
		dir = keep // keep the result to look at
	}
	f := filepath.Join(dir, "result.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	text, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Suite 400, Main Street", today, "Page 1", "Page 2"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("result PDF lacks %q:\n%s", want, text)
		}
	}
}

func checkAuditTypes(t *testing.T, audit map[string]any, types ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, ev := range audit["events"].([]any) {
		seen[ev.(map[string]any)["type"].(string)] = true
	}
	for _, typ := range types {
		if !seen[typ] {
			t.Errorf("no %q event in the audit trail", typ)
		}
	}
	_ = fmt.Sprint
}

func docSHA(t *testing.T, doc map[string]any) string {
	t.Helper()
	return doc["sha256"].(string)
}

// checkSealed checks a sealed PDF as a validator would: every signature
// valid and the last covering the whole file (pdfsig), structure (qpdf).
func checkSealed(t *testing.T, what string, pdf []byte) {
	t.Helper()
	requireTool(t, "pdfsig")
	f := filepath.Join(t.TempDir(), what+".pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", f).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid.") || !strings.Contains(string(out), "Total document signed") || strings.Contains(string(out), "Signature is Invalid") {
		t.Fatalf("pdfsig does not accept the sealed %s:\n%s", what, out)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check on the sealed %s: %v\n%s", what, err, out)
	}
}

// checkText checks that every string appears in the PDF's text, ignoring
// white space (long hashes wrap).
func checkText(t *testing.T, pdf []byte, want ...string) {
	t.Helper()
	requireTool(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "text.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(out)), "")
	for _, w := range want {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), "")) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
}

// checkEvidence verifies the downloaded evidence's audit chain and that the
// same file is embedded in the combined PDF.
func checkEvidence(t *testing.T, evidence, combined []byte) {
	t.Helper()
	ev, err := esign.ParseEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	if p := esign.VerifyEvidence(ev); p != nil {
		t.Fatalf("evidence chain broken at %d: %s", p.Seq, p.Reason)
	}
	requireTool(t, "pdfdetach")
	dir := t.TempDir()
	f := filepath.Join(dir, "combined.pdf")
	if err := os.WriteFile(f, combined, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdfdetach", "-saveall", "-o", dir, f).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, out)
	}
	embedded, err := os.ReadFile(filepath.Join(dir, "evidence.json"))
	if err != nil || !bytes.Equal(embedded, evidence) {
		t.Fatalf("the combined PDF does not embed the downloaded evidence (%v)", err)
	}
}

// checkVerify verifies the sealed PDF through the API and the command line,
// then a copy with one byte changed inside the signed range.
func checkVerify(t *testing.T, e *e2e, pdf []byte) {
	t.Helper()
	anon := &e2e{t: t, base: e.base}
	rep := anon.expect(anon.do("POST", "/api/v1/verify", pdfUpload("combined.pdf", pdf)), 200, "").json(t)
	if rep["valid"] != true {
		t.Fatalf("POST /api/v1/verify rejects GSign's own sealed PDF: %v", rep["problems"])
	}
	tampered := bytes.Clone(pdf)
	i := bytes.Index(tampered, []byte("Page 1"))
	tampered[i+5] = '7'
	rep = anon.expect(anon.do("POST", "/api/v1/verify", pdfUpload("tampered.pdf", tampered)), 200, "").json(t)
	if rep["valid"] != false {
		t.Fatal("POST /api/v1/verify accepts a tampered PDF")
	}
	anon.expect(anon.do("POST", "/api/v1/verify", pdfUpload("x.pdf", []byte("not a pdf"))), 422, "")
	good, bad := testtool.WriteTemp(t, "good.pdf", pdf), testtool.WriteTemp(t, "bad.pdf", tampered)
	if code, out := runCLI(t, e.data, "verify", good); code != 0 || !strings.Contains(out, "VALID") {
		t.Fatalf("gsign verify on the sealed PDF: exit %d\n%s", code, out)
	}
	if code, out := runCLI(t, e.data, "verify", bad, "--json"); code != 1 || !strings.Contains(out, `"valid": false`) {
		t.Fatalf("gsign verify on a tampered PDF: exit %d\n%s", code, out)
	}
	if code, out := runCLI(t, e.data, "verify", filepath.Join(t.TempDir(), "missing.pdf")); code != 2 {
		t.Fatalf("gsign verify on a missing file: exit %d\n%s", code, out)
	}
}
