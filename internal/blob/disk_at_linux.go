//go:build linux

package blob

import (
	"os"
	"path"
	"syscall"
)

// The fast path of Disk on Linux: files are named relative to folders held
// open in a dirCache, one segment at a time and never following a symbolic
// link (O_NOFOLLOW; mkdirat and renameat do not follow the last segment),
// so nothing it does can leave the store. Whatever it cannot settle alone
// it hands to os.Root by returning errSlowPath: a symbolic link (which
// os.Root follows if it stays inside), a file where a folder should be, or
// a folder that has gone.

// openDirCache opens the store's root folder once more, for the cache to
// own. It goes through the os.Root so both name the same folder.
func openDirCache(root *os.Root) (*dirCache, error) {
	f, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var oerr error
	if err := rc.Control(func(rootFD uintptr) { fd, oerr = openDirAt(int(rootFD), ".") }); err != nil {
		return nil, err
	}
	if oerr != nil {
		return nil, oerr
	}
	return newDirCache(fd), nil
}

// dir returns folder name open, for the caller to release: from the cache,
// or opened in its parent, creating it first if create.
func (d *Disk) dir(name string, create bool) (*dirFD, error) {
	if d.dirs == nil {
		return nil, errSlowPath
	}
	if h, err := d.dirs.get(name); h != nil || err != nil {
		return h, err
	}
	parent, err := d.dir(path.Dir(name), create)
	if err != nil {
		return nil, err
	}
	defer d.dirs.release(parent)
	base := path.Base(name)
	op := "openat"
	fd, err := openDirAt(parent.fd, base)
	if err == syscall.ENOENT && create {
		if op, err = "mkdirat", d.mkdirAt(parent, base); err == nil {
			op = "openat"
			fd, err = openDirAt(parent.fd, base)
		}
	}
	if err != nil {
		return nil, d.fastErr(parent, op, name, err)
	}
	return d.dirs.add(name, fd)
}

// mkdirAt creates folder base in parent and fsyncs parent so the new entry
// survives a crash. When base already exists another Put is creating it at
// the same moment and may not have fsynced yet, so this one fsyncs too.
func (d *Disk) mkdirAt(parent *dirFD, base string) error {
	err := ignoringEINTR(func() error { return syscall.Mkdirat(parent.fd, base, dirPerm) })
	if err != nil && err != syscall.EEXIST {
		return err
	}
	return d.fsyncDir(parent)
}

// fastErr turns the failure of system call op on name, made through folder
// h, into errSlowPath where os.Root may do better; ENOENT also drops h, in
// case it was removed. Other errors it names as os.Root would.
func (d *Disk) fastErr(h *dirFD, op, name string, err error) error {
	switch err {
	case syscall.ENOENT:
		d.dirs.drop(h)
		return errSlowPath
	case syscall.ELOOP, syscall.ENOTDIR:
		return errSlowPath
	}
	if _, ok := err.(syscall.Errno); !ok {
		return err // named already
	}
	return &os.PathError{Op: op, Path: name, Err: err}
}

// createTempAt creates a new temp file in the cached temp folder.
func (d *Disk) createTempAt() (tempFile, *os.File, error) {
	tmp, err := d.dir(tmpDir, true)
	if err != nil {
		return tempFile{}, nil, err
	}
	t := newTempFile()
	flags := syscall.O_WRONLY | syscall.O_CREAT | syscall.O_EXCL
	fd, err := openAt(tmp.fd, path.Base(t.name), flags, filePerm)
	if err != nil {
		err = d.fastErr(tmp, "openat", t.name, err)
		d.dirs.release(tmp)
		return tempFile{}, nil, err
	}
	t.dir = tmp
	return t, os.NewFile(uintptr(fd), d.fullName(t.name)), nil
}

// commitAt moves the finished temp file to key and, if durable, fsyncs the
// folder it went into.
func (d *Disk) commitAt(t tempFile, key string, durable bool) error {
	if t.dir == nil {
		return errSlowPath
	}
	dir, err := d.dir(path.Dir(key), true)
	if err != nil {
		return err
	}
	defer d.dirs.release(dir)
	err = ignoringEINTR(func() error {
		return syscall.Renameat(t.dir.fd, path.Base(t.name), dir.fd, path.Base(key))
	})
	if err == syscall.ENOENT {
		d.dirs.drop(t.dir) // either folder may be gone
		return d.fastErr(dir, "renameat", key, err)
	}
	if err != nil {
		return &os.LinkError{Op: "renameat", Old: t.name, New: key, Err: err}
	}
	if !durable {
		return nil
	}
	return d.fsyncDir(dir)
}

// removeTempAt removes a temp file that createTempAt made, after a failed
// Put.
func (d *Disk) removeTempAt(t tempFile) error {
	if t.dir == nil {
		return errSlowPath
	}
	return ignoringEINTR(func() error { return syscall.Unlinkat(t.dir.fd, path.Base(t.name)) })
}

// releaseTemp ends a Put's use of the temp folder.
func (d *Disk) releaseTemp(t tempFile) {
	if t.dir != nil {
		d.dirs.release(t.dir)
	}
}

// openFileAt opens key for reading in its cached folder.
func (d *Disk) openFileAt(key string) (*os.File, error) {
	dir, err := d.dir(path.Dir(key), false)
	if err != nil {
		return nil, err
	}
	defer d.dirs.release(dir)
	fd, err := openAt(dir.fd, path.Base(key), syscall.O_RDONLY, 0)
	if err != nil {
		return nil, d.fastErr(dir, "openat", key, err)
	}
	return os.NewFile(uintptr(fd), d.fullName(key)), nil
}

// fsyncDir flushes an open folder to stable storage.
func (d *Disk) fsyncDir(h *dirFD) error {
	d.fsyncs.Add(1)
	if err := ignoringEINTR(func() error { return syscall.Fsync(h.fd) }); err != nil {
		return &os.PathError{Op: "fsync", Path: h.name, Err: err}
	}
	return nil
}

// openDirAt opens folder name in folder dirfd, refusing a symbolic link.
func openDirAt(dirfd int, name string) (int, error) {
	return openAt(dirfd, name, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
}

// openAt is openat(2) for one path segment, never following a symbolic
// link and never inherited by child processes.
func openAt(dirfd int, name string, flags int, perm uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() error {
		var err error
		fd, err = syscall.Openat(dirfd, name, flags|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
		return err
	})
	return fd, err
}

// ignoringEINTR retries a system call interrupted by a signal, as package
// os does: the Go runtime preempts goroutines with signals.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
