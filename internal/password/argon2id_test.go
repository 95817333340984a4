package password

import (
	"strings"
	"testing"
)

func TestArgon2id(t *testing.T) {
	a := &Argon2id{Params: Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	h, err := a.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	h2, _ := a.Hash("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of the same password share a salt")
	}
	tests := []struct {
		name     string
		encoded  string
		password string
		want     bool
		wantErr  bool
	}{
		{"right password", h, "correct horse battery", true, false},
		{"wrong password", h, "correct horse battery!", false, false},
		{"empty password", h, "", false, false},
		{"not argon2id", "$2a$10$abc", "x", false, true},
		{"garbled params", "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$a2V5", "x", false, true},
		{"bad base64", "$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5", "x", false, true},
		{"other version", strings.Replace(h, "v=19", "v=16", 1), "correct horse battery", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Verify(tt.encoded, tt.password)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Verify = %v, %v; want %v, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestVerifyUsesStoredParams(t *testing.T) {
	old := &Argon2id{Params: Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	h, _ := old.Hash("a long enough password")
	stronger := &Argon2id{Params: Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if ok, err := stronger.Verify(h, "a long enough password"); !ok || err != nil {
		t.Fatalf("hash made with older parameters no longer verifies: %v %v", ok, err)
	}
}
