package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
)

// testNow is the fixed time of every test. It is close to the wall clock
// because github.com/digitorus/pkcs7 stamps signatures with time.Now and
// checks that time against the signer's certificate.
var testNow = time.Now().UTC().Truncate(time.Second)

// fixedClock always tells the same time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

const testCRLURL = "https://sign.example.com/pki/root.crl"

var testMasterKey = bytes.Repeat([]byte{7}, MasterKeySize)

// testOptions returns options for a PKI in store at testNow, with the
// default key algorithm.
func testOptions(store esign.Blobs) Options {
	return Options{MasterKey: testMasterKey, Store: store, Clock: fixedClock{testNow}, Organization: "Acme", CRLURL: testCRLURL}
}

// sharedEntry is the one PKI of a key algorithm created per test binary:
// RSA-3072 keys take seconds.
type sharedEntry struct {
	once  sync.Once
	store *blob.Memory
	pki   *PKI
	err   error
}

// shared holds a sharedEntry per key algorithm; the map itself never changes.
var shared = map[KeyAlgorithm]*sharedEntry{ECDSAP256: {}, RSA3072: {}}

// sharedPKI returns the shared PKI of the default key algorithm and its
// store. Tests must not change it; those that do work on copyPKI.
func sharedPKI(t *testing.T) (*PKI, *blob.Memory) {
	t.Helper()
	return sharedPKIWith(t, ECDSAP256)
}

// sharedPKIWith returns the shared PKI with keys of alg and its store.
func sharedPKIWith(t *testing.T, alg KeyAlgorithm) (*PKI, *blob.Memory) {
	t.Helper()
	e := shared[alg]
	e.once.Do(func() {
		e.store = blob.NewMemory()
		opts := testOptions(e.store)
		opts.KeyAlgorithm = alg
		e.pki, e.err = Open(context.Background(), opts)
	})
	if e.err != nil {
		t.Fatalf("create shared %s PKI: %v", alg, e.err)
	}
	return e.pki, e.store
}

// forEachKeyAlgorithm runs test as a subtest per key algorithm, named
// after it, on the shared PKI of that algorithm.
func forEachKeyAlgorithm(t *testing.T, test func(t *testing.T, alg KeyAlgorithm, p *PKI, store *blob.Memory)) {
	t.Helper()
	for _, alg := range KeyAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			p, store := sharedPKIWith(t, alg)
			test(t, alg, p, store)
		})
	}
}

// copyPKI opens the shared PKI from a copy of its store, for tests that
// change the store.
func copyPKI(t *testing.T) (*PKI, *blob.Memory) {
	t.Helper()
	return copyPKIWith(t, ECDSAP256)
}

// copyPKIWith is copyPKI for the shared PKI with keys of alg.
func copyPKIWith(t *testing.T, alg KeyAlgorithm) (*PKI, *blob.Memory) {
	t.Helper()
	_, src := sharedPKIWith(t, alg)
	store := copyStore(t, src)
	p, err := Open(t.Context(), testOptions(store))
	if err != nil {
		t.Fatalf("open copy: %v", err)
	}
	return p, store
}

// copyStore returns a new memory store holding the blobs of src.
func copyStore(t *testing.T, src *blob.Memory) *blob.Memory {
	t.Helper()
	dst := blob.NewMemory()
	err := src.List(t.Context(), "pki/", func(b esign.BlobInfo) error {
		return put(t.Context(), dst, b.Key, read(t, src, b.Key))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// read returns the blob at key.
func read(t *testing.T, s esign.Blobs, key string) []byte {
	t.Helper()
	rc, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// put stores data at key.
func put(ctx context.Context, s esign.Blobs, key string, data []byte) error {
	_, err := s.Put(ctx, key, bytes.NewReader(data))
	return err
}

func TestOpenReopensWhatItCreated(t *testing.T) {
	forEachKeyAlgorithm(t, func(t *testing.T, _ KeyAlgorithm, p *PKI, store *blob.Memory) {
		// The configured algorithm is for new PKIs only: an existing one
		// keeps its keys whatever it says.
		for _, alg := range KeyAlgorithms {
			opts := testOptions(store)
			opts.KeyAlgorithm = alg
			again, err := Open(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			checkSamePKI(t, again, p)
		}
	})
}

// checkSamePKI checks that got has the certificates and keys of want.
func checkSamePKI(t *testing.T, got, want *PKI) {
	t.Helper()
	pairs := []struct {
		name      string
		got, want *x509.Certificate
	}{
		{"root", got.Root(), want.Root()},
		{"seal", got.SealChain()[0], want.SealChain()[0]},
		{"tsa", got.TSACertificate(), want.TSACertificate()},
	}
	for _, c := range pairs {
		if !c.got.Equal(c.want) {
			t.Errorf("%s certificate changed on reopen", c.name)
		}
	}
	if !bytes.Equal(got.RootPEM(), want.ExportRoot()) {
		t.Error("root PEM changed on reopen")
	}
	if !samePublicKey(got.SealSigner().Public(), want.SealSigner().Public()) {
		t.Error("seal key changed on reopen")
	}
}

func TestOpenStoresKeysEncrypted(t *testing.T) {
	p, store := sharedPKI(t)
	env := read(t, store, p.key("seal.key"))
	for _, want := range []string{`"v":1`, `"alg":"A256GCM"`, `"nonce":`, `"ct":`} {
		if !strings.Contains(string(env), want) {
			t.Errorf("envelope %s lacks %s", env, want)
		}
	}
	if bytes.Contains(env, []byte("PRIVATE KEY")) {
		t.Error("key stored in the clear")
	}
	if _, err := decodeCerts(read(t, store, p.key("seal.crt"))); err != nil {
		t.Errorf("seal.crt is not PEM: %v", err)
	}
}

func TestOpenRefusesWrongMasterKey(t *testing.T) {
	_, store := sharedPKI(t)
	before := keys(t, store)
	opts := testOptions(store)
	opts.MasterKey = bytes.Repeat([]byte{8}, MasterKeySize)
	_, err := Open(t.Context(), opts)
	if !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("Open = %v, want ErrWrongMasterKey", err)
	}
	if !strings.Contains(err.Error(), "check GSIGN_MASTER_KEY") {
		t.Errorf("error %q does not say what to check", err)
	}
	if after := keys(t, store); !slices.Equal(before, after) {
		t.Errorf("store changed: %v -> %v", before, after)
	}
}

func TestOpenRefusesDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, p *PKI, s *blob.Memory)
	}{
		{"tampered ciphertext", func(t *testing.T, p *PKI, s *blob.Memory) {
			var env envelope
			if err := json.Unmarshal(read(t, s, p.key("root.key")), &env); err != nil {
				t.Fatal(err)
			}
			env.CT[len(env.CT)/2] ^= 1
			data, _ := json.Marshal(env)
			mustPut(t, s, p.key("root.key"), data)
		}},
		{"swapped keys", func(t *testing.T, p *PKI, s *blob.Memory) {
			seal, tsa := read(t, s, p.key("seal.key")), read(t, s, p.key("tsa.key"))
			mustPut(t, s, p.key("seal.key"), tsa)
			mustPut(t, s, p.key("tsa.key"), seal)
		}},
		{"swapped certificates", func(t *testing.T, p *PKI, s *blob.Memory) {
			seal, tsa := read(t, s, p.key("seal.crt")), read(t, s, p.key("tsa.crt"))
			mustPut(t, s, p.key("seal.crt"), tsa)
			mustPut(t, s, p.key("tsa.crt"), seal)
		}},
		{"envelope not JSON", func(t *testing.T, p *PKI, s *blob.Memory) {
			mustPut(t, s, p.key("tsa.key"), []byte("garbage"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, src := sharedPKI(t)
			store := copyStore(t, src)
			tt.damage(t, p, store)
			_, err := Open(t.Context(), testOptions(store))
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Open = %v, want ErrDamaged", err)
			}
		})
	}
}

func TestOpenConcurrentFirstStart(t *testing.T) {
	store := blob.NewMemory()
	var pkis [2]*PKI
	var errs [2]error
	var wg sync.WaitGroup
	for i := range pkis {
		wg.Go(func() { pkis[i], errs[i] = Open(t.Context(), testOptions(store)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	if !pkis[0].Root().Equal(pkis[1].Root()) {
		t.Fatal("two processes starting at once use different roots")
	}
	for i, p := range pkis {
		if err := p.SelfTest(t.Context()); err != nil {
			t.Errorf("SelfTest %d: %v", i, err)
		}
	}
}

func TestOpenRefusesMissingMaterial(t *testing.T) {
	p, src := sharedPKI(t)
	store := copyStore(t, src)
	store.Delete(t.Context(), p.key("tsa.key"))
	before := keys(t, store)
	if _, err := Open(t.Context(), testOptions(store)); !esign.IsKind(err, esign.KindNotFound) {
		t.Fatalf("Open = %v, want not found", err)
	}
	if after := keys(t, store); !slices.Equal(before, after) {
		t.Errorf("Open changed the store: %v -> %v", before, after)
	}
}

func TestOpenValidatesOptions(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
	}{
		{"short master key", func(o *Options) { o.MasterKey = o.MasterKey[:16] }},
		{"no master key", func(o *Options) { o.MasterKey = nil }},
		{"no store", func(o *Options) { o.Store = nil }},
		{"unknown key algorithm", func(o *Options) { o.KeyAlgorithm = "rsa-1024" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions(blob.NewMemory())
			tt.change(&opts)
			if _, err := Open(t.Context(), opts); err == nil {
				t.Fatal("Open succeeded")
			}
		})
	}
}

// keys lists the blob keys in s.
func keys(t *testing.T, s *blob.Memory) []string {
	t.Helper()
	var out []string
	s.List(t.Context(), "pki/", func(b esign.BlobInfo) error {
		out = append(out, b.Key+"@"+b.SHA256)
		return nil
	})
	return out
}

// mustPut stores data at key or fails the test.
func mustPut(t *testing.T, s esign.Blobs, key string, data []byte) {
	t.Helper()
	if err := put(t.Context(), s, key, data); err != nil {
		t.Fatal(err)
	}
}
