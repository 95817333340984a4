package pdf

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

// StampKept refuses what Stamp refuses and then keeps nothing.
func TestStampKeptRefuses(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		src    []byte
		stamps []esign.Stamp
		check  func(t *testing.T, err error)
	}{
		{"a broken document", context.Background(), []byte("not a pdf"), nil,
			func(t *testing.T, err error) { assertInvalid(t, err, esign.CodeInvalidPDF) }},
		{"a stamp off the page", context.Background(), onePage(letter), []esign.Stamp{{Page: 2, X: 1, Y: 1, Width: 1, Height: 1, Kind: esign.StampCheck}},
			func(t *testing.T, err error) { assertInvalid(t, err, esign.CodeValidation) }},
		{"a cancelled context", cancelled, onePage(letter), []esign.Stamp{checkBox}, func(t *testing.T, err error) {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			kept, err := (&Stamper{}).StampKept(tc.ctx, bytes.NewReader(tc.src), tc.stamps, []esign.EmbeddedFile{evidence}, &out)
			tc.check(t, err)
			if kept != nil {
				t.Errorf("kept %v despite the error", kept)
			}
		})
	}
}

// MergeKept refuses bad parts as MergeEmbedding does, writing nothing.
func TestMergeKeptRefuses(t *testing.T) {
	t.Parallel()
	good := func() esign.MergePart {
		flat, kept := stampKept(t, labelled("Alpha", 1, letter), nil, evidence)
		return esign.MergePart{Src: bytes.NewReader(flat), Kept: kept}
	}
	signed := func() esign.MergePart {
		flat, kept := stampKept(t, signedDoc(t), nil, evidence)
		return esign.MergePart{Src: bytes.NewReader(flat), Kept: kept}
	}
	used := good()
	mergeKept(t, []esign.MergePart{used})
	badFile := evidence
	badFile.Name = "a/b.json"
	tests := []struct {
		name  string
		parts []esign.MergePart
		files []esign.EmbeddedFile
		code  string
		want  string // in the message
	}{
		{"no parts", nil, nil, esign.CodeValidation, "no PDFs"},
		{"a signed document, kept", []esign.MergePart{good(), signed()}, nil, esign.CodeValidation, "parts[1]: the PDF is signed"},
		{"a signed document, read", []esign.MergePart{good(), {Src: bytes.NewReader(signedDoc(t))}}, nil,
			esign.CodeValidation, "parts[1]: the PDF is signed"},
		{"a broken file", []esign.MergePart{good(), {Src: strings.NewReader("hello, world")}}, nil,
			esign.CodeInvalidPDF, "PDF 2 of 2 to merge"},
		{"a part without file or kept document", []esign.MergePart{good(), {}}, nil, esign.CodeValidation, "parts[1]"},
		{"a bad file to embed", []esign.MergePart{good()}, []esign.EmbeddedFile{badFile}, esign.CodeValidation, "plain file name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := (&Merger{}).MergeKept(context.Background(), tc.parts, tc.files, &out)
			assertInvalid(t, err, tc.code)
			if msg := err.(*esign.Error).Error(); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
			if out.Len() != 0 {
				t.Error("output was written despite the error")
			}
		})
	}
}

// A kept document is used up by the merge that took it: merging changes
// it, so a second merge must not get it.
func TestMergeKeptRefusesUsedDocument(t *testing.T) {
	t.Parallel()
	flat, kept := stampKept(t, labelled("Alpha", 1, letter), nil, evidence)
	part := esign.MergePart{Src: bytes.NewReader(flat), Kept: kept}
	mergeKept(t, []esign.MergePart{part}, evidence)
	var out bytes.Buffer
	err := (&Merger{}).MergeKept(context.Background(), []esign.MergePart{part}, nil, &out)
	if !errors.Is(err, errKeptUsed) {
		t.Fatalf("got %v, want errKeptUsed", err)
	}
	if out.Len() != 0 {
		t.Error("output was written despite the error")
	}
}

// A Kept value that is not the Merger's own is ignored: the part is read
// from its file.
func TestMergeKeptReadsForeignKept(t *testing.T) {
	t.Parallel()
	flat := stampFiles(t, labelled("Alpha", 1, letter), []esign.Stamp{checkBox}, evidence)
	got := mergeKept(t, []esign.MergePart{{Src: bytes.NewReader(flat), Kept: "someone else's"}}, evidence)
	qpdfCheck(t, got)
	if txt := text(t, got); !strings.Contains(txt, "Alpha page 1") {
		t.Errorf("the merged PDF reads %q", txt)
	}
}

func TestMergeKeptHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	flat, kept := stampKept(t, labelled("Alpha", 1, letter), nil, evidence)
	var out bytes.Buffer
	parts := []esign.MergePart{{Src: bytes.NewReader(flat), Kept: kept}, {Src: bytes.NewReader(flat)}}
	err := (&Merger{}).MergeKept(ctx, parts, []esign.EmbeddedFile{evidence}, &out)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if out.Len() != 0 {
		t.Error("output was written despite the error")
	}
}
