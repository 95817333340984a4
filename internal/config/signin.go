package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// SignIn is the sign-in hardening policy: how many consecutive failures
// lock an email and for how long (doubling with each further failure up to
// LockMax), and how many failed sign-ins one client address may make per
// hour.
type SignIn struct {
	LockAfter          int
	LockFor, LockMax   time.Duration
	FailuresPerAddress int
}

// DefaultSignIn: 5 failures lock for a minute, doubling up to an hour; 30
// failures an hour per address.
func DefaultSignIn() SignIn {
	return SignIn{LockAfter: 5, LockFor: time.Minute, LockMax: time.Hour, FailuresPerAddress: 30}
}

// signInFromEnv reads GSIGN_LOCKOUT_*, GSIGN_LOGIN_FAILURES_PER_ADDRESS
// and GSIGN_MASTER_KEY_FILE.
func (c *Config) signInFromEnv(getenv func(string) string) error {
	if v := getenv("GSIGN_MASTER_KEY_FILE"); v != "" {
		c.MasterKeyFile = v
	}
	parsers := []struct {
		key   string
		parse func(string) error
	}{
		{"GSIGN_LOCKOUT_AFTER", func(v string) (err error) { c.SignIn.LockAfter, err = strconv.Atoi(v); return }},
		{"GSIGN_LOCKOUT_BASE", func(v string) (err error) { c.SignIn.LockFor, err = time.ParseDuration(v); return }},
		{"GSIGN_LOCKOUT_MAX", func(v string) (err error) { c.SignIn.LockMax, err = time.ParseDuration(v); return }},
		{"GSIGN_LOGIN_FAILURES_PER_ADDRESS", func(v string) (err error) { c.SignIn.FailuresPerAddress, err = strconv.Atoi(v); return }},
	}
	for _, p := range parsers {
		if v := getenv(p.key); v != "" {
			if err := p.parse(v); err != nil {
				return fmt.Errorf("config: %s=%q: %w", p.key, v, err)
			}
		}
	}
	return nil
}

// validateSignIn refuses a policy that cannot work.
func (c *Config) validateSignIn() error {
	s := c.SignIn
	switch {
	case s.LockAfter < 0:
		return fmt.Errorf("config: GSIGN_LOCKOUT_AFTER must be 0 (off) or more")
	case s.LockAfter > 0 && s.LockFor < time.Second:
		return fmt.Errorf("config: GSIGN_LOCKOUT_BASE must be at least 1s")
	case s.LockAfter > 0 && s.LockMax < s.LockFor:
		return fmt.Errorf("config: GSIGN_LOCKOUT_MAX must be at least GSIGN_LOCKOUT_BASE")
	case s.FailuresPerAddress < 0:
		return fmt.Errorf("config: GSIGN_LOGIN_FAILURES_PER_ADDRESS must be 0 (off) or more")
	}
	return nil
}

// minDistinctBytes is the fewest distinct byte values a master key may
// have. 32 random bytes have about 30; fewer than 16 happens by chance
// with a probability far below 2^-100, but easily by hand ("aaaa…",
// "abababab…").
const minDistinctBytes = 16

// knownExampleKeys are master keys seen in examples and tutorials.
var knownExampleKeys = []string{
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", // 32 zero bytes
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", // 0, 1, 2, … 31
	"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", // "0123456789abcdef" twice
}

// CheckMasterKey refuses a master key that is not 32 random-looking bytes:
// a known example, too few distinct bytes, or only printable ASCII (a
// passphrase, not a key: 32 random bytes are all printable with a
// probability of about 10^-14).
func CheckMasterKey(k []byte) error {
	const how = " (make one with: head -c 32 /dev/urandom | base64)"
	if len(k) != 32 {
		return fmt.Errorf("master key must be 32 bytes, got %d"+how, len(k))
	}
	enc := base64.StdEncoding.EncodeToString(k)
	for _, ex := range knownExampleKeys {
		if enc == ex {
			return fmt.Errorf("master key is a well-known example value" + how)
		}
	}
	distinct := map[byte]bool{}
	for _, b := range k {
		distinct[b] = true
	}
	if len(distinct) < minDistinctBytes {
		return fmt.Errorf("master key is weak: only %d distinct bytes in 32"+how, len(distinct))
	}
	if bytes.IndexFunc(k, func(r rune) bool { return r < 0x20 || r > 0x7e }) < 0 {
		return fmt.Errorf("master key is weak: it is printable text, not random bytes" + how)
	}
	return nil
}
