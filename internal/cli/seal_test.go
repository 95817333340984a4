package cli

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digitorus/pkcs7"

	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/testtool"
)

// sealCLI runs `gsign seal` against the data folder.
func sealCLI(t *testing.T, data string, args ...string) (int, string) {
	t.Helper()
	return runCLI(t, data, append([]string{"seal"}, args...)...)
}

// TestSealWritesAVerifiableSeal seals with a new platform PKI of each key
// algorithm and checks the result with GSign's verifier, pdfsig, qpdf and
// openssl (the seal's timestamp token).
func TestSealWritesAVerifiableSeal(t *testing.T) {
	tests := []struct {
		name    string
		alg     string // GSIGN_PKI_KEY_ALGORITHM; empty: the default
		wantKey x509.PublicKeyAlgorithm
	}{
		{"default", "", x509.ECDSA},
		{"ecdsa-p256", "ecdsa-p256", x509.ECDSA},
		{"rsa-3072", "rsa-3072", x509.RSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, dir := t.TempDir(), t.TempDir()
			env := append(stackOf(data).Env(), "GSIGN_PKI_KEY_ALGORITHM="+tt.alg)
			if code, out := runCLIEnv(t, data, env, "migrate"); code != 0 {
				t.Fatalf("migrate: exit %d\n%s", code, out)
			}
			in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
			orig := esigntest.PDF(2, 612, 792)
			if err := os.WriteFile(in, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			code, msg := runCLIEnv(t, data, env, "seal", "--in", in, "--out", out)
			if code != 0 || !strings.Contains(msg, "sealed "+in) {
				t.Fatalf("seal: exit %d\n%s", code, msg)
			}
			sealed, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(sealed, orig) || len(sealed) <= len(orig) {
				t.Fatalf("the sealed file is not the original plus an update (%d bytes from %d)", len(sealed), len(orig))
			}
			checkLeftovers(t, dir, "in.pdf", "out.pdf")
			if code, msg := runCLIEnv(t, data, env, "verify", out); code != exitOK || !strings.Contains(msg, "VALID") {
				t.Fatalf("gsign verify: exit %d\n%s", code, msg)
			}
			checkSealWithTools(t, out, tt.wantKey)
		})
	}
}

// checkSealWithTools has pdfsig validate the seal at path and dump it, checks
// the seal key's algorithm, and has openssl verify the seal's timestamp
// token over the signature value against the seal's root.
func checkSealWithTools(t *testing.T, path string, wantKey x509.PublicKeyAlgorithm) {
	t.Helper()
	testtool.Require(t, "pdfsig")
	testtool.Run(t, "qpdf", "--check", path)
	report, _ := exec.Command("pdfsig", "-no-ocsp", path).CombinedOutput() // non-zero: the root is not trusted
	if !strings.Contains(string(report), "Signature is Valid.") || !strings.Contains(string(report), "Total document signed") {
		t.Fatalf("pdfsig does not find a valid seal over the whole file:\n%s", report)
	}
	dumpDir := t.TempDir()
	cmd := exec.Command("pdfsig", "-dump", path)
	cmd.Dir = dumpDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -dump: %v\n%s", err, out)
	}
	dumps, _ := filepath.Glob(filepath.Join(dumpDir, "*"))
	if len(dumps) != 1 {
		t.Fatalf("pdfsig -dump wrote %v, want one signature", dumps)
	}
	cms, err := os.ReadFile(dumps[0])
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(cms)
	if err != nil {
		t.Fatal(err)
	}
	if signer := p7.GetOnlySigner(); signer == nil || signer.PublicKeyAlgorithm != wantKey {
		t.Fatalf("seal certificate key is not %v", wantKey)
	}
	si := p7.Signers[0]
	var token []byte
	for _, a := range si.UnauthenticatedAttributes {
		if a.Type.Equal(oidSignatureTimeStampToken) {
			token = a.Value.Bytes
		}
	}
	root := p7.Certificates[len(p7.Certificates)-1]
	out := testtool.Run(t, "openssl", "ts", "-verify", "-token_in", "-in", testtool.WriteTemp(t, "token.der", token),
		"-data", testtool.WriteTemp(t, "signature.bin", si.EncryptedDigest),
		"-CAfile", testtool.WriteTemp(t, "root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})))
	if !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
}

// oidSignatureTimeStampToken is the CMS unsigned attribute holding the
// signature timestamp (RFC 3161 appendix A).
var oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

func TestSealRefusesBadInput(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	if code, out := runCLI(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pdf := esigntest.PDF(1, 612, 792)
	unreadable := write("unreadable.pdf", pdf)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pdf")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"--out", out}, "usage: gsign seal"},
		{"no output", []string{"--in", write("ok.pdf", pdf)}, "usage: gsign seal"},
		{"missing", []string{"--in", filepath.Join(dir, "nope.pdf"), "--out", out}, "no such file"},
		{"not a PDF", []string{"--in", write("notes.txt", []byte("hello\n")), "--out", out}, "is not a PDF"},
		{"truncated", []string{"--in", write("cut.pdf", pdf[:len(pdf)/2]), "--out", out}, "cannot be sealed"},
		{"output folder missing", []string{"--in", write("ok.pdf", pdf), "--out", filepath.Join(dir, "no", "out.pdf")}, "no such file"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unreadable", []string{"--in", unreadable, "--out", out}, "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := sealCLI(t, data, tt.args...)
			if code != exitUsage || !strings.Contains(msg, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, exitUsage, tt.want, msg)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a failed seal left an output file")
			}
		})
	}
	checkLeftovers(t, dir, "unreadable.pdf", "ok.pdf", "notes.txt", "cut.pdf")
}

// checkLeftovers fails if dir holds files other than want: a temporary
// file left behind by the seal.
func checkLeftovers(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(want, e.Name()) {
			t.Errorf("unexpected file %s left in %s", e.Name(), dir)
		}
	}
}
