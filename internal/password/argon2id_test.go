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

// owaspRows are OWASP's argon2id configurations of equal strength (Password
// Storage Cheat Sheet): memory in KiB, passes, lanes.
var owaspRows = []Params{
	{Memory: 47104, Time: 1, Threads: 1},
	{Memory: 19456, Time: 2, Threads: 1},
	{Memory: 12288, Time: 3, Threads: 1},
	{Memory: 9216, Time: 4, Threads: 1},
	{Memory: 7168, Time: 5, Threads: 1},
}

// TestDefaultParamsMeetOWASP: the defaults are at or above one of OWASP's
// rows in every parameter, with a 128-bit salt and a 256-bit key.
func TestDefaultParamsMeetOWASP(t *testing.T) {
	d := DefaultParams
	ok := false
	for _, row := range owaspRows {
		if d.Memory >= row.Memory && d.Time >= row.Time && d.Threads >= row.Threads {
			ok = true
		}
	}
	if !ok {
		t.Errorf("DefaultParams %+v are below every OWASP row %+v", d, owaspRows)
	}
	if d.SaltLen < 16 || d.KeyLen < 32 {
		t.Errorf("salt %d bytes, key %d bytes; want at least 16 and 32", d.SaltLen, d.KeyLen)
	}
}

// TestNeedsRehash: a hash made with weaker parameters, or unreadable, needs
// rehashing; one made with the current (or stronger) ones does not.
func TestNeedsRehash(t *testing.T) {
	cur := Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	hashWith := func(p Params) string {
		h, err := (&Argon2id{Params: p}).Hash("a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := &Argon2id{Params: cur}
	tests := []struct {
		name    string
		encoded string
		want    bool
	}{
		{"current", hashWith(cur), false},
		{"stronger", hashWith(Params{Memory: 4096, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}), false},
		{"less memory", hashWith(Params{Memory: 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}), true},
		{"fewer passes", hashWith(Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}), true},
		{"shorter salt", hashWith(Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}), true},
		{"shorter key", hashWith(Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 16}), true},
		{"malformed", "$2a$10$abc", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.NeedsRehash(tt.encoded); got != tt.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}
