//go:build !linux

package blob

import "os"

// Elsewhere than on Linux, Disk goes through its os.Root for everything:
// package syscall offers the *at system calls the fast path needs
// (openat, mkdirat, renameat, unlinkat) only on Linux. Each method below
// answers errSlowPath, which sends Disk down that path.

// dirCache is empty: there are no folders to keep open.
type dirCache struct{}

// dirFD is empty: temp files are named from the root.
type dirFD struct{}

func openDirCache(*os.Root) (*dirCache, error) { return nil, nil }

func (*dirCache) close() {}

func (d *Disk) createTempAt() (tempFile, *os.File, error) { return tempFile{}, nil, errSlowPath }

func (d *Disk) commitAt(tempFile, string, bool) error { return errSlowPath }

func (d *Disk) removeTempAt(tempFile) error { return errSlowPath }

func (d *Disk) releaseTemp(tempFile) {}

func (d *Disk) openFileAt(string) (*os.File, error) { return nil, errSlowPath }
