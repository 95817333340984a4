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

// masterKey returns the configured master key, or the one in
// <data>/master.key, creating that file on first start. A generated key is
// only as safe as the data folder: production sets GSIGN_MASTER_KEY from a
// secret store, and the operations guide says so.
func masterKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if len(cfg.MasterKey) > 0 {
		return cfg.MasterKey, nil
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	raw, err := os.ReadFile(path)
	if err == nil {
		k, err := config.ParseMasterKey(string(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read master key: %w", err)
	}
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
