package esign

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// crockford is Crockford's base32 alphabet, lowercase: sortable and unambiguous.
var crockford = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a prefixed, time-ordered identifier such as
// "env_01hx…": 48 bits of milliseconds then 80 random bits (a ULID), so ids
// sort by creation and never collide.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("esign: crypto/rand failed: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + crockford.EncodeToString(b[:])
}

// Identifier prefixes.
const (
	PrefixOrg       = "org"
	PrefixUser      = "usr"
	PrefixAPIKey    = "key"
	PrefixEnvelope  = "env"
	PrefixDocument  = "doc"
	PrefixRecipient = "rcp"
	PrefixField     = "fld"
	PrefixSignature = "sig"
	PrefixFamily    = "fam"
	PrefixChallenge = "ach" // a recipient authentication challenge
)

// Secret prefixes make leaked secrets recognisable to scanners and people.
const (
	SecretAccess    = "gsa_"
	SecretRefresh   = "gsr_"
	SecretAPIKey    = "gsk_"
	SecretRecipient = "gst_"
)

// NewSecret returns prefix followed by 32 bytes (256 bits) from crypto/rand,
// base64url-encoded, and the hash under which it is stored.
func NewSecret(prefix string) (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// HashSecret is how bearer secrets are stored and looked up: SHA-256, hex.
// The secrets carry 256 bits of entropy, so a fast hash is the right tool;
// passwords use the PasswordHasher instead.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretHasPrefix reports whether s looks like a secret of the given kind.
func SecretHasPrefix(s, prefix string) bool {
	return strings.HasPrefix(s, prefix) && len(s) > len(prefix)+40
}
