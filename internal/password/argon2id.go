// Package password hashes passwords with argon2id, encoded in the PHC string
// format so parameters can be raised later without breaking stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/gsign/gsign/internal/esign"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams follow OWASP's argon2id recommendation (19 MiB, 2 passes,
// 1 lane): about 25 ms on one core of a small server.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Argon2id implements esign.PasswordHasher.
type Argon2id struct {
	Params Params
}

var _ esign.PasswordHasher = (*Argon2id)(nil)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password with a fresh random salt.
func (a *Argon2id) Hash(password string) (string, error) {
	p := a.Params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// a's (less memory, fewer passes or lanes, a shorter key or salt), or cannot
// be read: the caller hashes the password again after a successful login.
func (a *Argon2id) NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	want := a.Params
	return p.Memory < want.Memory || p.Time < want.Time || p.Threads < want.Threads ||
		uint32(len(salt)) < want.SaltLen || uint32(len(key)) < want.KeyLen
}

// ErrMalformed reports a stored hash this package cannot read.
var ErrMalformed = errors.New("password: malformed argon2id hash")

// Verify reports whether password matches the PHC string encoded, using the
// parameters stored in it, in constant time.
func (a *Argon2id) Verify(encoded, password string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// decode reads a PHC string's parameters, salt and key.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformed
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
