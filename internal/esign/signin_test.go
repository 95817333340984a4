package esign_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/password"
)

// TestLoginRehashesWeakHash: a password hashed with weaker parameters is
// hashed again with the current ones when its owner signs in, and still
// works; a hash with the current parameters is left alone.
func TestLoginRehashesWeakHash(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.register("olive@example.com") // hashed with m=1024, t=1
	stored := func() string {
		var hash string
		err := h.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
			u, err := tx.UserByEmail(ctx, "olive@example.com")
			if err == nil {
				hash = u.PasswordHash
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return hash
	}
	weak := stored()
	h.svc.Passwords = &password.Argon2id{Params: password.Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if _, err := h.svc.Login(ctx, "olive@example.com", "wrong password!"); esign.ErrorCode(err) != esign.CodeInvalidCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	if stored() != weak {
		t.Fatal("a failed login rehashed the password")
	}
	if _, err := h.svc.Login(ctx, "olive@example.com", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	strong := stored()
	if !strings.Contains(strong, "$m=2048,t=2,p=1$") {
		t.Fatalf("hash after login %q, want the current parameters", strong)
	}
	if _, err := h.svc.Login(ctx, "olive@example.com", "correct horse battery"); err != nil {
		t.Fatalf("the rehashed password does not work: %v", err)
	}
	if stored() != strong {
		t.Fatal("a current hash was replaced")
	}
}
