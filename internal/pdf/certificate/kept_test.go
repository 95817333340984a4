package certificate

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/gsign/gsign/internal/pdf/internal/pdfw"
)

// RenderCertificateKept writes what RenderCertificate writes, and keeps
// every object the file holds, each as it appears in the file.
func TestRenderCertificateKept(t *testing.T) {
	c := sample(t)
	var out bytes.Buffer
	got, err := (&Renderer{}).RenderCertificateKept(context.Background(), c, &out)
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, c); !bytes.Equal(out.Bytes(), want) {
		t.Fatal("RenderCertificateKept wrote other bytes than RenderCertificate")
	}
	k, ok := got.(*pdfw.Kept)
	if !ok || len(k.Objects) == 0 {
		t.Fatalf("kept %T with no objects", got)
	}
	for i, o := range k.Objects {
		head := strconv.Itoa(i+1) + " 0 obj\n<< " + o.Dict + " >>\n"
		if o.Stream != nil {
			head += "stream\n" + string(o.Stream) + "\nendstream"
		}
		if !bytes.Contains(out.Bytes(), []byte(head)) {
			t.Errorf("object %d as kept is not in the file: %.80q", i+1, head)
		}
	}
	trailer := "/Root " + strconv.Itoa(k.Root) + " 0 R /Info " + strconv.Itoa(k.Info) + " 0 R"
	if !bytes.Contains(out.Bytes(), []byte(trailer)) || len(k.ID) != 16 {
		t.Errorf("catalog %d, information %d, ID %x: not the trailer's", k.Root, k.Info, k.ID)
	}
}
