package pki

import (
	"bytes"
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/gsign/gsign/internal/esign"
)

// The SoftHSM2 token every HSM test gets, and the label of its seal key.
const (
	defaultTestModule = "/usr/lib/softhsm/libsofthsm2.so"
	testTokenLabel    = "gsign-test"
	testPIN           = "1234"
	testSOPIN         = "5678"
	testKeyLabel      = "gsign-seal"
)

// Algorithms of the HSM keys tests generate.
const (
	algRSA3072   = "rsa-3072"
	algECDSAP256 = "ecdsa-p256"
)

// newSoftHSM gives the test a freshly initialized SoftHSM2 token in a token
// directory of its own and returns the configuration that opens it. The
// module is GSIGN_TEST_PKCS11_MODULE, by default SoftHSM2's. SoftHSM2 reads
// SOFTHSM2_CONF when the module is initialized, so every PKI and crypto11
// context a test opens must be closed by its end (openHSMPKI sees to that).
func newSoftHSM(t *testing.T) HSMConfig {
	t.Helper()
	module := os.Getenv("GSIGN_TEST_PKCS11_MODULE")
	if module == "" {
		module = defaultTestModule
	}
	if _, err := os.Stat(module); err != nil {
		missingTool(t, "the PKCS#11 module "+module+" (apt-get install softhsm2, or set GSIGN_TEST_PKCS11_MODULE)")
	}
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		missingTool(t, "softhsm2-util (apt-get install softhsm2)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	settings := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
	if err := os.WriteFile(conf, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	runTool(t, "softhsm2-util", "--init-token", "--free", "--label", testTokenLabel, "--pin", testPIN, "--so-pin", testSOPIN)
	return HSMConfig{Module: module, TokenLabel: testTokenLabel, Pin: testPIN, KeyLabel: testKeyLabel}
}

// missingTool skips the test, or fails it under GSIGN_REQUIRE_TOOLS, for
// want, a tool the test needs.
func missingTool(t *testing.T, want string) {
	t.Helper()
	if os.Getenv("GSIGN_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is required (GSIGN_REQUIRE_TOOLS is set) but missing", want)
	}
	t.Skipf("%s is missing; skipping the HSM test", want)
}

// runTool runs a program and returns its standard output; a failure fails
// the test with everything the program printed.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// generateHSMKey generates a key pair of alg labelled cfg.KeyLabel (with
// CKA_ID id) on the token, the way an operator would with the HSM's tools,
// checks that the private key can never be extracted, and returns the
// public key.
func generateHSMKey(t *testing.T, cfg HSMConfig, alg, id string) crypto.PublicKey {
	t.Helper()
	c, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.Pin})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var key crypto11.Signer
	switch alg {
	case algRSA3072:
		key, err = c.GenerateRSAKeyPairWithLabel([]byte(id), []byte(cfg.KeyLabel), 3072)
	case algECDSAP256:
		key, err = c.GenerateECDSAKeyPairWithLabel([]byte(id), []byte(cfg.KeyLabel), elliptic.P256())
	default:
		t.Fatalf("unknown algorithm %s", alg)
	}
	if err != nil {
		t.Fatalf("generate %s key: %v", alg, err)
	}
	checkNotExtractable(t, c, key)
	return key.Public()
}

// checkNotExtractable checks, as the token reports it, that the private key
// is sensitive and was never extractable, and that the token refuses to
// reveal its private part.
func checkNotExtractable(t *testing.T, c *crypto11.Context, key crypto11.Signer) {
	t.Helper()
	want := map[crypto11.AttributeType]bool{
		crypto11.CkaExtractable:      false,
		crypto11.CkaNeverExtractable: true,
		crypto11.CkaSensitive:        true,
		crypto11.CkaAlwaysSensitive:  true,
	}
	types := make([]crypto11.AttributeType, 0, len(want))
	for typ := range want {
		types = append(types, typ)
	}
	attrs, err := c.GetAttributes(key, types)
	if err != nil {
		t.Fatal(err)
	}
	for typ, value := range want {
		if a := attrs[typ]; a == nil || len(a.Value) != 1 || (a.Value[0] != 0) != value {
			t.Errorf("attribute %#x of the private key is %v, want %v", typ, a, value)
		}
	}
	secret := crypto11.CkaValue // the private value of an EC key
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		secret = crypto11.CkaPrivateExponent
	}
	var code pkcs11.Error
	if _, err := c.GetAttribute(key, secret); !errors.As(err, &code) || code != pkcs11.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("reading the private part of the key gave %v, want CKR_ATTRIBUTE_SENSITIVE", err)
	}
}

// checkToolSeesNotExtractable checks with pkcs11-tool, independently of
// crypto11, that the token lists the private key as never extractable.
func checkToolSeesNotExtractable(t *testing.T, cfg HSMConfig) {
	t.Helper()
	if _, err := exec.LookPath("pkcs11-tool"); err != nil {
		missingTool(t, "pkcs11-tool (apt-get install opensc)")
	}
	out := runTool(t, "pkcs11-tool", "--module", cfg.Module, "--token-label", cfg.TokenLabel,
		"--login", "--pin", cfg.Pin, "--list-objects", "--type", "privkey")
	if !strings.Contains(out, cfg.KeyLabel) {
		t.Fatalf("pkcs11-tool does not list the key %q:\n%s", cfg.KeyLabel, out)
	}
	for _, want := range []string{"never extractable", "always sensitive"} {
		if !strings.Contains(out, want) {
			t.Errorf("pkcs11-tool does not list the key as %q:\n%s", want, out)
		}
	}
}

// openHSMPKI opens the PKI in store with the seal key in the HSM, and
// closes it when the test ends.
func openHSMPKI(t *testing.T, store esign.Blobs, cfg HSMConfig) *PKI {
	t.Helper()
	p, err := openWithHSM(t, store, cfg)
	if err != nil {
		t.Fatalf("open with HSM: %v", err)
	}
	return p
}

// openWithHSM is Open with the seal key in the HSM; a PKI it opens is
// closed when the test ends.
func openWithHSM(t *testing.T, store esign.Blobs, cfg HSMConfig) (*PKI, error) {
	t.Helper()
	opts := testOptions(store)
	opts.HSM = &cfg
	p, err := Open(t.Context(), opts)
	if err == nil {
		t.Cleanup(func() { p.Close() })
	}
	return p, err
}
