package cli

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gsign/gsign/internal/config"
)

// errNoSharedKey refuses a PostgreSQL deployment without a shared key.
var errNoSharedKey = errors.New("master key: GSIGN_MASTER_KEY is not set, and with PostgreSQL several processes share " +
	"the database, so a key generated in each one's data folder would differ; set GSIGN_MASTER_KEY " +
	"(head -c 32 /dev/urandom | base64) from a secret store, or GSIGN_MASTER_KEY_FILE to a key file every process shares")

// masterKey returns the configured master key, the one in the file
// GSIGN_MASTER_KEY_FILE names, or the one in <data>/master.key, creating
// that file on first start. A generated key is only as safe as the data
// folder, and is one machine's: production sets GSIGN_MASTER_KEY from a
// secret store, and a PostgreSQL deployment (several processes) must. A
// weak key is refused wherever it comes from.
func masterKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if len(cfg.MasterKey) > 0 {
		if err := config.CheckMasterKey(cfg.MasterKey); err != nil {
			return nil, fmt.Errorf("GSIGN_MASTER_KEY: %w", err)
		}
		return cfg.MasterKey, nil
	}
	if cfg.MasterKeyFile != "" {
		k, err := readMasterKey(cfg.MasterKeyFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("GSIGN_MASTER_KEY_FILE %s does not exist: a shared key is provisioned, never generated", cfg.MasterKeyFile)
		}
		return k, err
	}
	if cfg.Postgres() {
		return nil, errNoSharedKey
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	k, err := readMasterKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	return generateMasterKey(cfg, path, log)
}

// readMasterKey reads and checks a base64 key file.
func readMasterKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	k, err := config.ParseMasterKey(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// generateMasterKey creates <data>/master.key with a random key.
func generateMasterKey(cfg config.Config, path string, log *slog.Logger) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := publishFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n")); errors.Is(err, fs.ErrExist) {
		return masterKey(cfg, log) // another process created it first
	} else if err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	log.Warn("generated a master key in the data folder; set GSIGN_MASTER_KEY from a secret store in production", "path", path)
	return k, nil
}

// publishFile writes data to a temporary file, syncs it and hard-links it to
// path, so path appears complete or not at all, and never replaces a file
// that exists (fs.ErrExist).
func publishFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}
