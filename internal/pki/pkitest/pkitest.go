// Package pkitest gives tests a real platform PKI with its built-in
// timestamp authority, with keys of the default algorithm, created once per
// test binary and shared.
package pkitest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pki"
)

var (
	once   sync.Once
	shared *pki.PKI
	err    error
)

// Shared returns the test binary's PKI, in an in-memory store.
func Shared(t testing.TB) *pki.PKI {
	t.Helper()
	once.Do(func() {
		shared, err = pki.Open(context.Background(), pki.Options{MasterKey: bytes.Repeat([]byte{7}, 32), Store: blob.NewMemory(),
			Clock: esign.SystemClock{}, Organization: "GSign Test", CRLURL: "http://gsign.test/pki/root.crl"})
	})
	if err != nil {
		t.Fatalf("create test PKI: %v", err)
	}
	return shared
}
