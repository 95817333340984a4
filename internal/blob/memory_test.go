package blob

import (
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func TestMemory(t *testing.T) {
	testBlobs(t, func(t *testing.T) esign.Blobs { return NewMemory() })
}

// Memory, like S3, holds a key and keys below it at once; Disk cannot.
func TestMemoryKeyAndKeysBelow(t *testing.T) {
	m := NewMemory()
	mustPut(t, m, "a", []byte("file"))
	mustPut(t, m, "a/b", []byte("below"))
	if got := mustRead(t, m, "a"); string(got) != "file" {
		t.Errorf("read a = %q, want %q", got, "file")
	}
	checkStat(t, m, "a/b", []byte("below"))
}

func TestMemoryReportsSHA256(t *testing.T) {
	m := NewMemory()
	mustPut(t, m, "k", []byte("data"))
	want := sha256Hex([]byte("data"))
	if info, err := m.Stat(t.Context(), "k"); err != nil || info.SHA256 != want {
		t.Errorf("Stat = %+v, %v; want sha256 %s", info, err, want)
	}
	if infos := mustList(t, m, ""); len(infos) != 1 || infos[0].SHA256 != want {
		t.Errorf("List = %+v, want one blob with sha256 %s", infos, want)
	}
}
