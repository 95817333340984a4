package pdf

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// MergeEmbedding gives what Merge and then Stamp with the files give: the
// evidence embedded once, replacing the parts' copies, listed in /AF.
func TestMergeEmbedding(t *testing.T) {
	t.Parallel()
	a := stampFiles(t, labelled("Alpha", 1, letter), []esign.Stamp{checkBox}, evidence)
	b := stampFiles(t, labelled("Bravo", 1, letter), []esign.Stamp{checkBox}, evidence)
	newer := evidence
	newer.Data = []byte(`{"format":"gsign-evidence","events":[{"seq":2,"type":"completed"}]}` + "\n")
	var out bytes.Buffer
	srcs := []io.ReadSeeker{bytes.NewReader(a), bytes.NewReader(b), bytes.NewReader(labelled("Certificate", 1, letter))}
	if err := (&Merger{}).MergeEmbedding(context.Background(), srcs, []esign.EmbeddedFile{newer}, &out); err != nil {
		t.Fatalf("MergeEmbedding: %v", err)
	}
	combined := out.Bytes()
	qpdfCheck(t, combined)
	if got := pageCount(t, combined); got != "3" {
		t.Errorf("%s pages, want 3", got)
	}
	if got := attachments(t, combined); len(got) != 1 || got[0] != "evidence.json" {
		t.Fatalf("pdfdetach lists %q, want one evidence.json", got)
	}
	if got := attachment(t, combined, 1); !bytes.Equal(got, newer.Data) {
		t.Errorf("extracted %q, want the new evidence", got)
	}
	doc, specs := catalogAF(t, combined)
	if len(specs) != 1 {
		t.Fatalf("/AF has %d entries, want 1", len(specs))
	}
	checkFileSpec(t, doc, specs[0], newer)
}

// MergeEmbedding refuses bad files before it reads or writes anything.
func TestMergeEmbeddingRefusesBadFiles(t *testing.T) {
	t.Parallel()
	bad := evidence
	bad.Name = "../evidence.json"
	var out bytes.Buffer
	srcs := []io.ReadSeeker{bytes.NewReader(labelled("Alpha", 1, letter))}
	err := (&Merger{}).MergeEmbedding(context.Background(), srcs, []esign.EmbeddedFile{bad}, &out)
	assertInvalid(t, err, esign.CodeValidation)
	if e := err.(*esign.Error); e.Fields["files[0].name"] == "" {
		t.Errorf("fields %v, want files[0].name", e.Fields)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %d bytes on error", out.Len())
	}
}
