package cli

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/testtool"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/gsign/gsign/internal/esign/esigntest"
)

// runCLI runs a gsign command against the data folder, and the engines of
// the server that startServer started on it, and returns its exit code and
// output.
func runCLI(t *testing.T, data string, args ...string) (int, string) {
	t.Helper()
	return runCLIEnv(t, data, stackOf(data).Env(), args...)
}

// sentEnvelopeOverHTTP creates and sends a one-signer envelope and has the
// signer fill a field, so the database holds a realistic audit chain.
func sentEnvelopeOverHTTP(t *testing.T, e *e2e) string {
	t.Helper()
	reg := e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "o@example.com", "password": "correct horse battery", "name": "O", "organization": "Acme"}), 201, "").json(t)
	e.token = reg["access_token"].(string)
	envID := id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease"}), 201, "").json(t))
	base := "/api/v1/envelopes/" + envID
	docID := id(e.expect(e.do("POST", base+"/documents", pdfUpload("a.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	rid := id(e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "Ana", "email": "ana@example.com", "role": "signer", "routing_order": 1}), 201, "").json(t))
	fid := id(e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": rid, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "").json(t))
	e.expect(e.do("POST", base+"/send", nil), 200, "")
	tok := e.linkFor("ana@example.com")
	e.expect(e.do("POST", "/api/v1/signing/"+tok+"/fields/"+fid, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ana"}}), 200, "")
	return envID
}

func TestAuditVerifyAndFsckDetectTampering(t *testing.T) {
	e := startServer(t)
	envID := sentEnvelopeOverHTTP(t, e)
	e.stop()

	if code, out := runCLI(t, e.data, "audit", "verify"); code != 0 || !strings.Contains(out, "1 chains verified, 0 broken") {
		t.Fatalf("intact database: exit %d\n%s", code, out)
	}
	if code, out := runCLI(t, e.data, "fsck"); code != 0 {
		t.Fatalf("fsck on an intact database: exit %d\n%s", code, out)
	}

	db, rebind := openRawDB(t, e.data)
	tests := []struct {
		name, tamper, undo string
		wantSeq            string
	}{
		{"edited event", `UPDATE audit_events SET data = replace(data, 'Lease', 'Lease!') WHERE envelope_id = ? AND seq = 1`, `UPDATE audit_events SET data = replace(data, 'Lease!', 'Lease') WHERE envelope_id = ? AND seq = 1`, "first bad event 1"},
		{"edited ip", `UPDATE audit_events SET actor_ip = '198.51.100.9' WHERE envelope_id = ? AND seq = 3`, `UPDATE audit_events SET actor_ip = '127.0.0.1' WHERE envelope_id = ? AND seq = 3`, "first bad event 3"},
		{"deleted event", `UPDATE audit_events SET seq = seq + 1000 WHERE envelope_id = ? AND seq = 2`, `UPDATE audit_events SET seq = seq - 1000 WHERE envelope_id = ? AND seq = 1002`, "first bad event 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Exec(rebind(tt.tamper), envID); err != nil {
				t.Fatal(err)
			}
			code, out := runCLI(t, e.data, "audit", "verify", "--envelope", envID)
			if code != 1 || !strings.Contains(out, tt.wantSeq) {
				t.Fatalf("audit verify after tampering: exit %d, want 1 naming %q\n%s", code, tt.wantSeq, out)
			}
			if code, out := runCLI(t, e.data, "fsck"); code != 1 || !strings.Contains(out, "audit chain broken") {
				t.Fatalf("fsck after tampering: exit %d\n%s", code, out)
			}
			if _, err := db.Exec(rebind(tt.undo), envID); err != nil {
				t.Fatal(err)
			}
			if code, out := runCLI(t, e.data, "audit", "verify"); code != 0 {
				t.Fatalf("undoing the tampering did not restore the chain: exit %d\n%s", code, out)
			}
		})
	}
}

func TestFsckDetectsAlteredBlob(t *testing.T) {
	e := startServer(t)
	envID := sentEnvelopeOverHTTP(t, e)
	e.stop()
	ctx := context.Background()
	blobs := openTestBlobs(t, e.data)
	var keys []string
	blobs.List(ctx, "documents/"+envID+"/", func(b esign.BlobInfo) error { keys = append(keys, b.Key); return nil })
	if len(keys) != 1 {
		t.Fatalf("want one stored document, found %v", keys)
	}
	r, err := blobs.Open(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x20 // same size, one byte changed
	if _, err := blobs.Put(ctx, keys[0], bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	code, out := runCLI(t, e.data, "fsck")
	if code != 1 || !strings.Contains(out, "SHA-256 differs") {
		t.Fatalf("fsck after altering a document: exit %d\n%s", code, out)
	}
	if err := blobs.Delete(ctx, keys[0]); err != nil {
		t.Fatal(err)
	}
	if code, out = runCLI(t, e.data, "fsck"); code != 1 || !strings.Contains(out, "not found") {
		t.Fatalf("fsck after deleting a document: exit %d\n%s", code, out)
	}
}

// TestFsckDetectsAlteredSignatureImage: a signature's image is in its row,
// not a blob; fsck compares it with the recorded SHA-256 and wants it there.
func TestFsckDetectsAlteredSignatureImage(t *testing.T) {
	e := startServer(t)
	envID := sentEnvelopeOverHTTP(t, e)
	e.stop()
	var keys []string
	openTestBlobs(t, e.data).List(context.Background(), "signatures/", func(b esign.BlobInfo) error { keys = append(keys, b.Key); return nil })
	if len(keys) > 0 {
		t.Fatalf("signature images written as blobs: %v", keys)
	}
	db, rebind := openRawDB(t, e.data)
	var img []byte
	if err := db.QueryRow(rebind(`SELECT image FROM signatures WHERE envelope_id = ?`), envID).Scan(&img); err != nil || len(img) == 0 {
		t.Fatalf("the signature's image in its row: %d bytes, %v", len(img), err)
	}
	img[len(img)/2] ^= 0x20
	tests := []struct {
		name  string
		image []byte
		want  string
	}{
		{"altered", img, "the image's SHA-256 differs"},
		{"missing", nil, "has no image"},
	}
	for _, tt := range tests {
		if _, err := db.Exec(rebind(`UPDATE signatures SET image = ? WHERE envelope_id = ?`), tt.image, envID); err != nil {
			t.Fatal(err)
		}
		if code, out := runCLI(t, e.data, "fsck"); code != 1 || !strings.Contains(out, tt.want) {
			t.Fatalf("fsck after the image was %s: exit %d\n%s", tt.name, code, out)
		}
	}
}

// openTestBlobs opens the blob store of the server that ran on data.
func openTestBlobs(t *testing.T, data string) blob.Store {
	t.Helper()
	url := stackOf(data).BlobURL
	if url == "" {
		url = filepath.Join(data, "blobs")
	}
	s, err := blob.OpenURL(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openRawDB opens the database of the server that ran on data with the
// plain driver, for tests that tamper with rows, and returns a function that
// rewrites ? placeholders for its engine.
func openRawDB(t *testing.T, data string) (*sql.DB, func(string) string) {
	t.Helper()
	driver, dsn, rebind := "sqlite", filepath.Join(data, "gsign.db"), func(q string) string { return q }
	if u := stackOf(data).DatabaseURL; u != "" {
		driver, dsn = "pgx", u
		rebind = func(q string) string {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
			}
			return q
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, rebind
}

// TestSealLevelLTA seals at B-LTA with a platform PKI of each key
// algorithm: the seal stays valid, and the DSS and the document timestamp
// follow it in later revisions.
func TestSealLevelLTA(t *testing.T) {
	for _, alg := range []string{"ecdsa-p256", "rsa-3072"} {
		t.Run(alg, func(t *testing.T) {
			e := startServer(t, func(c *config.Config) { c.SealLevel, c.PKIKeyAlgorithm = "B-LTA", alg })
			envID := sentEnvelopeOverHTTP(t, e)
			tok := e.linkFor("ana@example.com")
			e.expect(e.do("POST", "/api/v1/signing/"+tok+"/complete", nil), 200, "")
			waitResult(e, "/api/v1/envelopes/"+envID)
			doc := e.expect(e.do("GET", "/api/v1/envelopes/"+envID+"/download?part=document", nil), 200, "")
			testtool.QPDFCheck(t, doc.body)
			testtool.Require(t, "pdfsig")
			out, _ := exec.Command("pdfsig", testtool.WriteTemp(t, "lta.pdf", doc.body)).CombinedOutput()
			if !strings.Contains(string(out), "Signature #2") || !strings.Contains(string(out), "Signature is Valid.") || !strings.Contains(string(out), "ETSI.CAdES.detached") {
				t.Fatalf("pdfsig on a B-LTA document:\n%s", out)
			}
			if !bytes.Contains(doc.body, []byte("/DSS")) || !bytes.Contains(doc.body, []byte("/ETSI.RFC3161")) {
				t.Fatal("a B-LTA document lacks its DSS or document timestamp")
			}
		})
	}
}
