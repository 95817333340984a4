//go:build !linux

package mail

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// writeAtomic writes the file base in folder dir with write, so that a
// crash leaves the old file or all of the new one, never a part: write fills
// a temp file, which is fsynced, renamed to base, and the folder fsynced so
// that the rename lasts too. dir is created when missing. (On Linux, a
// version of its own makes fewer system calls.)
func writeAtomic(dir, base string, write func(io.Writer) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	if err := fillFile(tmp, write); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, base)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(dir)
}

// fillFile writes f with write through a buffer, fsyncs and closes it.
func fillFile(f *os.File, write func(io.Writer) error) error {
	w := bufio.NewWriterSize(f, 16<<10)
	err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs folder dir.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
