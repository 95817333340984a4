package blob

import (
	"testing"

	"github.com/gsign/gsign/internal/blob/blobtest"
	"github.com/gsign/gsign/internal/esign"
)

func TestMemory(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) esign.Blobs { return NewMemory() })
}

// Memory, like S3, holds a key and keys below it at once; Disk cannot.
func TestMemoryKeyAndKeysBelow(t *testing.T) {
	m := NewMemory()
	blobtest.MustPut(t, m, "a", []byte("file"))
	blobtest.MustPut(t, m, "a/b", []byte("below"))
	if got := blobtest.MustRead(t, m, "a"); string(got) != "file" {
		t.Errorf("read a = %q, want %q", got, "file")
	}
	blobtest.CheckStat(t, m, "a/b", []byte("below"))
}

func TestMemoryReportsSHA256(t *testing.T) {
	m := NewMemory()
	blobtest.MustPut(t, m, "k", []byte("data"))
	want := blobtest.SHA256Hex([]byte("data"))
	if info, err := m.Stat(t.Context(), "k"); err != nil || info.SHA256 != want {
		t.Errorf("Stat = %+v, %v; want sha256 %s", info, err, want)
	}
	if infos := blobtest.MustList(t, m, ""); len(infos) != 1 || infos[0].SHA256 != want {
		t.Errorf("List = %+v, want one blob with sha256 %s", infos, want)
	}
}
