package config

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestMasterKeyStrength: GSIGN_MASTER_KEY must decode to 32 random-looking
// bytes; weak values are refused with a message that says why and how to
// make a good one.
func TestMasterKeyStrength(t *testing.T) {
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	seq := make([]byte, 32)
	for i := range seq {
		seq[i] = byte(i)
	}
	few := []byte(strings.Repeat("\x01\x02\x03\x04\x05\x06\x07\x08", 4))
	tests := []struct {
		name, value, want string
	}{
		{"random", "YkXnHDCUa+VeIyRxvlLwO9exsmr5aZwtiWaukTIXe28=", ""},
		{"random, URL alphabet unpadded", "YkXnHDCUa-VeIyRxvlLwO9exsmr5aZwtiWaukTIXe28", ""},
		{"all bytes equal", b64([]byte(strings.Repeat("\x07", 32))), "distinct bytes"},
		{"few distinct bytes", b64(few), "only 8 distinct bytes"},
		{"known example: zeros", b64(make([]byte, 32)), "well-known example"},
		{"known example: sequence", b64(seq), "well-known example"},
		{"a passphrase", b64([]byte("my very secret passphrase 123456")), "printable text"},
		{"too short", b64([]byte("0123456789abcdef")), "32 bytes, got 16"},
		{"not base64", "not a key!", "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, map[string]string{"GSIGN_MASTER_KEY": tt.value})
			if tt.want == "" {
				if err != nil || len(c.MasterKey) != 32 {
					t.Fatalf("a good key was refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "GSIGN_MASTER_KEY") {
				t.Fatalf("err = %v, want one naming GSIGN_MASTER_KEY and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.value) {
				t.Fatalf("the error shows the key: %v", err)
			}
		})
	}
}

// TestSignInSettings: the lockout and failure-limit settings are read,
// defaulted, and refused when they cannot work.
func TestSignInSettings(t *testing.T) {
	c, err := load(t, map[string]string{})
	if err != nil || c.SignIn != DefaultSignIn() {
		t.Fatalf("defaults %+v, %v", c.SignIn, err)
	}
	c, err = load(t, map[string]string{"GSIGN_LOCKOUT_AFTER": "3", "GSIGN_LOCKOUT_BASE": "30s", "GSIGN_LOCKOUT_MAX": "2h",
		"GSIGN_LOGIN_FAILURES_PER_ADDRESS": "0", "GSIGN_MASTER_KEY_FILE": "/run/secrets/gsign-key"})
	if err != nil {
		t.Fatal(err)
	}
	want := SignIn{LockAfter: 3, LockFor: 30 * time.Second, LockMax: 2 * time.Hour, FailuresPerAddress: 0}
	if c.SignIn != want || c.MasterKeyFile != "/run/secrets/gsign-key" || !strings.Contains(c.String(), "master_key=from /run/secrets/gsign-key") {
		t.Fatalf("got %+v %q", c.SignIn, c.MasterKeyFile)
	}
	for _, env := range []map[string]string{
		{"GSIGN_LOCKOUT_AFTER": "-1"},
		{"GSIGN_LOCKOUT_AFTER": "many"},
		{"GSIGN_LOCKOUT_BASE": "10ms"},
		{"GSIGN_LOCKOUT_BASE": "10m", "GSIGN_LOCKOUT_MAX": "5m"},
		{"GSIGN_LOGIN_FAILURES_PER_ADDRESS": "-3"},
	} {
		if _, err := load(t, env); err == nil || !strings.Contains(err.Error(), "GSIGN_L") {
			t.Errorf("%v: err = %v", env, err)
		}
	}
}
