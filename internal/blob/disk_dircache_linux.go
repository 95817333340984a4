//go:build linux

package blob

import (
	"container/list"
	"os"
	"path"
	"sync"
	"syscall"
)

// maxOpenDirs bounds the folders a Disk keeps open, at one file descriptor
// each. An envelope uses about six (the temp folder, documents/, results/,
// work/ and its own folder under each); 128 covers the envelopes in flight
// on a busy server.
const maxOpenDirs = 128

// dirCache keeps recently used folders of the store open, so that Put and
// Open name a file relative to an open folder in one *at system call.
// Through os.Root alone every call walks the key from the root, opening and
// closing each folder on the way: on a VM where a system call costs tens of
// microseconds, most of a Put's time after its fsyncs.
//
// A cached descriptor follows its folder wherever it goes. A folder removed
// (and perhaps recreated) behind the store's back shows as ENOENT on the
// next call through it; the caller then drops it and redoes the operation
// through os.Root, which resolves the path afresh. A folder moved elsewhere
// keeps receiving blobs until evicted; like os.Root, which follows a moved
// root folder, Disk assumes no one moves its folders while it runs. Since
// it makes them readable and writable by their owner only, no one but
// GSign's own user (or root) can.
type dirCache struct {
	mu     sync.Mutex
	closed bool
	root   *dirFD
	byName map[string]*list.Element // values are *dirFD
	lru    list.List                // most recently used first
}

// dirFD is an open folder shared by concurrent operations. It is closed
// once it has left the cache and its last user has released it, so an
// eviction never closes a descriptor in use, which the kernel could hand
// out again for another file.
type dirFD struct {
	name string // the folder's key prefix; "." for the root
	fd   int
	refs int // users, plus one while cached
}

// newDirCache starts a cache around rootFD, an open descriptor of the
// store's root folder that the cache now owns.
func newDirCache(rootFD int) *dirCache {
	return &dirCache{
		root:   &dirFD{name: ".", fd: rootFD, refs: 1},
		byName: make(map[string]*list.Element),
	}
}

// get returns the cached folder name for the caller to release, or nil if
// it is not cached.
func (c *dirCache) get(name string) (*dirFD, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, os.ErrClosed
	}
	if name == "." {
		c.root.refs++
		return c.root, nil
	}
	e := c.byName[name]
	if e == nil {
		return nil, nil
	}
	c.lru.MoveToFront(e)
	h := e.Value.(*dirFD)
	h.refs++
	return h, nil
}

// add caches fd, just opened, as folder name and returns it for the caller
// to release. If another goroutine cached the folder meanwhile, fd is
// closed and the cached one returned, so each folder has one descriptor.
func (c *dirCache) add(name string, fd int) (*dirFD, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		syscall.Close(fd)
		return nil, os.ErrClosed
	}
	if e := c.byName[name]; e != nil {
		syscall.Close(fd)
		c.lru.MoveToFront(e)
		h := e.Value.(*dirFD)
		h.refs++
		return h, nil
	}
	h := &dirFD{name: name, fd: fd, refs: 2}
	c.byName[name] = c.lru.PushFront(h)
	for c.lru.Len() > maxOpenDirs {
		c.remove(c.lru.Back())
	}
	return h, nil
}

// release ends a use of h that get or add returned.
func (c *dirCache) release(h *dirFD) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unref(h)
}

// drop removes h from the cache, if it is still there, because a call
// through it failed as if its folder had been removed. Its parents go too:
// they may have been removed with it, and reopening one that was not costs
// a system call. The root is never dropped: os.Root cannot resolve it
// afresh either.
func (c *dirCache) drop(h *dirFD) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byName[h.name]; e == nil || e.Value != h {
		return // dropped already
	}
	for name := h.name; name != "."; name = path.Dir(name) {
		if e := c.byName[name]; e != nil {
			c.remove(e)
		}
	}
}

// close empties the cache; descriptors in use are closed on release.
func (c *dirCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	for c.lru.Len() > 0 {
		c.remove(c.lru.Back())
	}
	c.unref(c.root)
}

// remove takes e out of the cache; c.mu is held.
func (c *dirCache) remove(e *list.Element) {
	h := c.lru.Remove(e).(*dirFD)
	delete(c.byName, h.name)
	c.unref(h)
}

// unref drops one reference to h, closing it with the last; c.mu is held.
func (c *dirCache) unref(h *dirFD) {
	h.refs--
	if h.refs < 0 {
		panic("blob: dirFD released too often")
	}
	if h.refs == 0 {
		syscall.Close(h.fd)
	}
}

// cached reports how many folders besides the root are open, for tests.
func (c *dirCache) cached() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
