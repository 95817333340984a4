// Package freelist keeps a few idle objects that are costly to set up,
// such as compressors, for reuse.
//
// A sync.Pool does not do here: it drops its idle objects at every garbage
// collection, and finalizing an envelope allocates enough to collect
// several times, so a pooled compressor rarely lived to be reused and
// each image paid again for setting one up (about 1 MB cleared).
package freelist

import "runtime"

// List holds up to a fixed number of idle objects of type T. It is safe
// for concurrent use.
type List[T any] struct {
	idle   chan T
	create func() T
}

// New returns a list that keeps up to two idle objects per CPU (beyond
// that, work waits for a CPU anyway) and makes new ones with create when
// none is idle.
func New[T any](create func() T) *List[T] {
	return &List[T]{idle: make(chan T, 2*runtime.GOMAXPROCS(0)), create: create}
}

// Get returns an idle object, or a new one.
func (l *List[T]) Get() T {
	select {
	case v := <-l.idle:
		return v
	default:
		return l.create()
	}
}

// Put keeps v for reuse, unless the list is full.
func (l *List[T]) Put(v T) {
	select {
	case l.idle <- v:
	default:
	}
}
