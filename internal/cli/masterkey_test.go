package cli

import (
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/teststack"
)

// TestMasterKeySources: the embedded default generates a key once and
// reads it back; a weak key is refused from the environment or a file;
// PostgreSQL without GSIGN_MASTER_KEY is refused unless
// GSIGN_MASTER_KEY_FILE names a key that exists.
func TestMasterKeySources(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	good, _ := config.ParseMasterKey(teststack.MasterKey)
	weakFile := filepath.Join(t.TempDir(), "weak.key")
	os.WriteFile(weakFile, []byte(base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))+"\n"), 0o600)
	goodFile := filepath.Join(t.TempDir(), "shared.key")
	os.WriteFile(goodFile, []byte(teststack.MasterKey+"\n"), 0o600)
	pg := "postgres://db.example/gsign"
	tests := []struct {
		name string
		cfg  config.Config
		want string // empty: a key
	}{
		{"generated on SQLite", config.Config{}, ""},
		{"set", config.Config{MasterKey: good, DatabaseURL: pg}, ""},
		{"set but weak", config.Config{MasterKey: []byte(strings.Repeat("\x07", 32))}, "distinct bytes"},
		{"PostgreSQL without a key", config.Config{DatabaseURL: pg}, "GSIGN_MASTER_KEY is not set"},
		{"PostgreSQL with a shared file", config.Config{DatabaseURL: pg, MasterKeyFile: goodFile}, ""},
		{"shared file missing", config.Config{DatabaseURL: pg, MasterKeyFile: filepath.Join(t.TempDir(), "nope")}, "does not exist"},
		{"shared file weak", config.Config{MasterKeyFile: weakFile}, "only 1 distinct bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.DataDir = t.TempDir()
			k, err := masterKey(tt.cfg, log)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || len(k) != 32 {
				t.Fatalf("masterKey: %v", err)
			}
			again, err := masterKey(tt.cfg, log)
			if err != nil || string(again) != string(k) {
				t.Fatal("the key changed between two starts")
			}
		})
	}
}

// TestServeRefusesWeakKey: gsign serve exits with a clear message, before
// opening anything, when GSIGN_MASTER_KEY is weak, and when the key in the
// data folder is.
func TestServeRefusesWeakKey(t *testing.T) {
	weak := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("ab", 16)))
	code, out := runCLIEnv(t, t.TempDir(), []string{"GSIGN_MASTER_KEY=" + weak, "GSIGN_ADDR=127.0.0.1:0"}, "serve")
	if code == 0 || !strings.Contains(out, "master key is weak") || strings.Contains(out, weak) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "master.key"), []byte(weak+"\n"), 0o600)
	code, out = runCLIEnv(t, data, []string{"GSIGN_ADDR=127.0.0.1:0"}, "serve")
	if code == 0 || !strings.Contains(out, "master.key: master key is weak") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
