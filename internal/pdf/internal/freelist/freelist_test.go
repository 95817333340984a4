package freelist

import (
	"runtime"
	"testing"
)

// Idle objects survive garbage collection, up to the list's size.
func TestListKeepsIdleObjects(t *testing.T) {
	made := 0
	l := New(func() *[64]byte { made++; return new([64]byte) })
	size := cap(l.idle)
	var got []*[64]byte
	for range size + 1 {
		got = append(got, l.Get())
	}
	if made != size+1 {
		t.Fatalf("made %d objects for %d gets from an empty list", made, size+1)
	}
	for _, v := range got {
		l.Put(v)
	}
	runtime.GC()
	runtime.GC()
	kept := map[*[64]byte]bool{}
	for _, v := range got {
		kept[v] = true
	}
	for range size {
		if v := l.Get(); !kept[v] {
			t.Fatal("Get made a new object while idle ones were kept")
		}
	}
	if made != size+1 {
		t.Errorf("made %d objects, want %d: the list did not keep its idle ones", made, size+1)
	}
	l.Get()
	if made != size+2 {
		t.Errorf("made %d objects, want %d: the list kept more than its size", made, size+2)
	}
}
