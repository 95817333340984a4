//go:build linux

package mail

import (
	"bufio"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// writeAtomic writes the file base in folder dir with write, so that a
// crash leaves the old file or all of the new one, never a part: write fills
// a temp file, which is fdatasynced, renamed to base, and the folder fsynced
// so that the rename lasts too. dir is created when missing.
//
// It names both files relative to the folder, opened once, and bypasses
// os.File, whose conveniences cost system calls a mail job pays for every
// envelope: os.CreateTemp offers the file to the runtime's poller (five
// calls to be refused), os.Rename stats the target first, and a deferred
// os.Remove of the renamed temp file tries unlink and then rmdir in vain.
func writeAtomic(dir, base string, write func(io.Writer) error) error {
	dfd, err := openDir(dir)
	if err != nil {
		return err
	}
	defer syscall.Close(dfd)
	tmp, fd, err := createTempAt(dfd)
	if err != nil {
		return &os.PathError{Op: "create temp file in", Path: dir, Err: err}
	}
	if err := fillFD(fd, write); err != nil {
		syscall.Unlinkat(dfd, tmp)
		return err
	}
	if err := ignoringEINTR(func() error { return syscall.Renameat(dfd, tmp, dfd, base) }); err != nil {
		syscall.Unlinkat(dfd, tmp)
		return &os.LinkError{Op: "rename", Old: filepath.Join(dir, tmp), New: filepath.Join(dir, base), Err: err}
	}
	if err := ignoringEINTR(func() error { return syscall.Fsync(dfd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}

// openDir opens folder dir to name files in, creating it first when it is
// missing (and fsyncing its parent, so the new folder's name lasts).
func openDir(dir string) (int, error) {
	fd, err := openDirFD(dir)
	if err == syscall.ENOENT {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return -1, err
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return -1, err
		}
		fd, err = openDirFD(dir)
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return fd, nil
}

func openDirFD(dir string) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		return err
	})
	return fd, err
}

// syncDir fsyncs folder dir.
func syncDir(dir string) error {
	fd, err := openDirFD(dir)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)
	if err := ignoringEINTR(func() error { return syscall.Fsync(fd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}

// createTempAt creates a new file, named .tmp-<random>, in the folder open
// as dfd. O_EXCL makes a name another writer holds an error, and another
// name is tried.
func createTempAt(dfd int) (name string, fd int, err error) {
	for range 100 {
		name = ".tmp-" + strconv.FormatUint(rand.Uint64(), 36)
		err = ignoringEINTR(func() error {
			fd, err = syscall.Openat(dfd, name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o600)
			return err
		})
		if err != syscall.EEXIST {
			return name, fd, err
		}
	}
	return "", -1, err
}

// fillFD writes the file open as fd with write, through a buffer that
// gathers the message's many small header and boundary writes (its large
// bodies go past it), fdatasyncs and closes it.
func fillFD(fd int, write func(io.Writer) error) error {
	w := bufio.NewWriterSize(fdWriter(fd), 16<<10)
	err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		if err = ignoringEINTR(func() error { return syscall.Fdatasync(fd) }); err != nil {
			err = &os.SyscallError{Syscall: "fdatasync", Err: err}
		}
	}
	if cerr := syscall.Close(fd); err == nil && cerr != nil {
		err = &os.SyscallError{Syscall: "close", Err: cerr}
	}
	return err
}

// fdWriter writes to a blocking file descriptor, all of each p.
type fdWriter int

// Write writes all of p, or fails.
func (fd fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(int(fd), p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.SyscallError{Syscall: "write", Err: err}
		}
		n += m
	}
	return n, nil
}

// ignoringEINTR retries fn while a signal interrupts it, as package os
// does for its own system calls.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
