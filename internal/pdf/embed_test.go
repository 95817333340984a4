package pdf

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
)

var evidence = esign.EmbeddedFile{
	Name:         "evidence.json",
	Description:  "GSign evidence: audit chain, document hashes and field values",
	MIMEType:     "application/json",
	Relationship: "Supplement",
	Data:         []byte(`{"format":"gsign-evidence","events":[{"seq":1,"type":"created"}]}` + "\n"),
	ModTime:      time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC),
}

// stampFiles runs the Stamper with files and fails the test on error.
func stampFiles(t *testing.T, pdf []byte, stamps []esign.Stamp, files ...esign.EmbeddedFile) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(pdf), stamps, files, &out); err != nil {
		t.Fatalf("Stamp: %v", err)
	}
	return out.Bytes()
}

var detachLine = regexp.MustCompile(`(?m)^(\d+): (.*)$`)

// attachments lists the embedded files pdfdetach finds, in its order.
func attachments(t *testing.T, pdf []byte) []string {
	t.Helper()
	requireTool(t, "pdfdetach")
	var names []string
	for _, m := range detachLine.FindAllStringSubmatch(string(run(t, "pdfdetach", "-list", "-enc", "UTF-8", writeTemp(t, pdf))), -1) {
		names = append(names, m[2])
	}
	return names
}

// attachment extracts embedded file n (1-based) with pdfdetach.
func attachment(t *testing.T, pdf []byte, n int) []byte {
	t.Helper()
	requireTool(t, "pdfdetach")
	path := filepath.Join(t.TempDir(), "attachment")
	run(t, "pdfdetach", "-save", strconv.Itoa(n), "-o", path, writeTemp(t, pdf))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// catalogAF reads pdf back with pdfcpu and returns the file specifications
// in its catalog's /AF array.
func catalogAF(t *testing.T, pdf []byte) (*model.Context, []types.Dict) {
	t.Helper()
	doc, err := readDocument(context.Background(), bytes.NewReader(pdf))
	if err != nil {
		t.Fatalf("read the output back: %v", err)
	}
	catalog, err := doc.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	o, found := catalog.Find("AF")
	if !found {
		t.Fatal("the catalog has no /AF")
	}
	arr, err := doc.DereferenceArray(o)
	if err != nil {
		t.Fatal(err)
	}
	var specs []types.Dict
	for _, e := range arr {
		d, err := doc.DereferenceDict(e)
		if err != nil || d == nil {
			t.Fatalf("/AF entry %v is not a dictionary: %v", e, err)
		}
		specs = append(specs, d)
	}
	return doc, specs
}

func TestStampEmbedsFile(t *testing.T) {
	t.Parallel()
	out := stampFiles(t, onePage(letter), []esign.Stamp{checkBox}, evidence)
	qpdfCheck(t, out)
	if got := attachments(t, out); len(got) != 1 || got[0] != "evidence.json" {
		t.Fatalf("pdfdetach lists %q, want [evidence.json]", got)
	}
	if got := attachment(t, out, 1); !bytes.Equal(got, evidence.Data) {
		t.Errorf("extracted %q, want %q", got, evidence.Data)
	}
	doc, specs := catalogAF(t, out)
	if len(specs) != 1 {
		t.Fatalf("/AF has %d entries, want 1", len(specs))
	}
	checkFileSpec(t, doc, specs[0], evidence)
	if n := countDark(render(t, out, 1), 60, 230, 90, 260); n < 60 {
		t.Errorf("the check stamp is missing (%d dark pixels)", n)
	}
}

// checkFileSpec checks a file specification and its embedded file stream.
func checkFileSpec(t *testing.T, doc *model.Context, spec types.Dict, f esign.EmbeddedFile) {
	t.Helper()
	if got := fileSpecName(doc, spec); got != f.Name {
		t.Errorf("file name %q, want %q", got, f.Name)
	}
	if got := spec.NameEntry("AFRelationship"); got == nil || *got != f.Relationship {
		t.Errorf("/AFRelationship %v, want %s", got, f.Relationship)
	}
	if desc, err := types.StringOrHexLiteral(spec["Desc"]); err != nil || *desc != f.Description {
		t.Errorf("/Desc %v, want %q", spec["Desc"], f.Description)
	}
	ef := spec.DictEntry("EF")
	if ef == nil || ef["F"] == nil || ef["UF"] == nil {
		t.Fatalf("/EF %v lacks /F or /UF", ef)
	}
	sd, _, err := doc.DereferenceStreamDict(ef["F"])
	if err != nil || sd == nil {
		t.Fatalf("/EF /F: %v", err)
	}
	if got := sd.NameEntry("Type"); got == nil || *got != "EmbeddedFile" {
		t.Errorf("stream /Type %v", got)
	}
	if got := sd.NameEntry("Subtype"); got == nil || *got != f.MIMEType {
		t.Errorf("stream /Subtype %v, want %s", got, f.MIMEType)
	}
	if got := sd.NameEntry("Filter"); got == nil || *got != "FlateDecode" {
		t.Errorf("stream /Filter %v, want FlateDecode", got)
	}
	params := sd.DictEntry("Params")
	if size := params.IntEntry("Size"); size == nil || *size != len(f.Data) {
		t.Errorf("/Params /Size %v, want %d", size, len(f.Data))
	}
	want := md5.Sum(f.Data)
	if sum, err := params["CheckSum"].(types.HexLiteral).Bytes(); err != nil || !bytes.Equal(sum, want[:]) {
		t.Errorf("/Params /CheckSum %v, want %x", params["CheckSum"], want)
	}
	if mod, ok := params["ModDate"].(types.StringLiteral); !ok || !strings.HasPrefix(string(mod), "D:20260314150926") {
		t.Errorf("/Params /ModDate %v", params["ModDate"])
	}
}

func TestStampEmbedsFileWithNonASCIIName(t *testing.T) {
	t.Parallel()
	f := esign.EmbeddedFile{Name: "Σύνοψη – Übersicht.txt", Description: "Περίληψη", MIMEType: "text/plain; charset=utf-8",
		Relationship: "Data", Data: []byte("γεια σου κόσμε\n")}
	out := stampFiles(t, onePage(letter), nil, f)
	qpdfCheck(t, out)
	if got := attachments(t, out); len(got) != 1 || got[0] != f.Name {
		t.Fatalf("pdfdetach lists %q, want [%s]", got, f.Name)
	}
	if got := attachment(t, out, 1); !bytes.Equal(got, f.Data) {
		t.Errorf("extracted %q, want %q", got, f.Data)
	}
	doc, specs := catalogAF(t, out)
	if len(specs) != 1 {
		t.Fatalf("/AF has %d entries", len(specs))
	}
	spec := specs[0]
	if _, ok := spec["UF"].(types.HexLiteral); !ok {
		t.Errorf("/UF is %T, want a UTF-16 hex string", spec["UF"])
	}
	if got := fileSpecName(doc, spec); got != f.Name {
		t.Errorf("file name %q, want %q", got, f.Name)
	}
	sd, _, err := doc.DereferenceStreamDict(spec.DictEntry("EF")["F"])
	if err != nil {
		t.Fatal(err)
	}
	if got := sd.NameEntry("Subtype"); got == nil || *got != "text/plain" {
		t.Errorf("/Subtype %v, want text/plain without parameters", got)
	}
	if _, found := sd.DictEntry("Params").Find("ModDate"); found {
		t.Error("/ModDate is set though the file has no modification time")
	}
}

// attachedDoc is a PDF with embedded files in a two-level name tree (keys
// alpha.txt, beta.txt | zeta.txt) and a catalog /AF listing alpha.txt and a
// file, orphan.txt, that is not in the tree.
func attachedDoc(header string) []byte {
	spec := func(name string, stream int) string {
		return fmt.Sprintf("<< /Type /Filespec /F (%s) /UF (%s) /AFRelationship /Source /EF << /F %d 0 R >> >>", name, name, stream)
	}
	file := func(data string) string {
		return fmt.Sprintf("<< /Type /EmbeddedFile /Length %d >>\nstream\n%s\nendstream", len(data), data)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 5 0 R >> /AF 14 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		"<< /Length 0 >>\nstream\n\nendstream",
		"<< /Kids [6 0 R 7 0 R] >>",
		"<< /Limits [(alpha.txt) (beta.txt)] /Names [(alpha.txt) 8 0 R (beta.txt) 10 0 R] >>",
		"<< /Limits [(zeta.txt) (zeta.txt)] /Names [(zeta.txt) 12 0 R] >>",
		spec("alpha.txt", 9), file("alpha"),
		spec("beta.txt", 11), file("old beta"),
		spec("zeta.txt", 13), file("zeta"),
		"[8 0 R 15 0 R]",
		spec("orphan.txt", 16), file("orphan"),
	}
	pdf := writeObjects(objs)
	return bytes.Replace(pdf, []byte("%PDF-1.7"), []byte(header), 1)
}

func TestStampKeepsExistingEmbeddedFiles(t *testing.T) {
	t.Parallel()
	newBeta := esign.EmbeddedFile{Name: "beta.txt", MIMEType: "text/plain", Relationship: "Data", Data: []byte("new beta")}
	for _, header := range []string{"%PDF-1.7", "%PDF-2.0"} {
		t.Run(header, func(t *testing.T) {
			t.Parallel()
			out := stampFiles(t, attachedDoc(header), nil, evidence, newBeta)
			qpdfCheck(t, out)
			want := map[string]string{"alpha.txt": "alpha", "beta.txt": "new beta", "evidence.json": string(evidence.Data),
				"orphan.txt": "orphan", "zeta.txt": "zeta"}
			names := attachments(t, out)
			if got := strings.Join(names, " "); got != "alpha.txt beta.txt evidence.json orphan.txt zeta.txt" {
				t.Fatalf("pdfdetach lists %s, want the old files, the new ones, sorted, beta.txt once", got)
			}
			for i, name := range names {
				if got := string(attachment(t, out, i+1)); got != want[name] {
					t.Errorf("%s holds %q, want %q", name, got, want[name])
				}
			}
			doc, specs := catalogAF(t, out)
			var af []string
			for _, spec := range specs {
				af = append(af, fileSpecName(doc, spec))
			}
			if got := strings.Join(af, " "); got != "alpha.txt orphan.txt evidence.json beta.txt" {
				t.Errorf("/AF lists %s, want the old associated files then the new ones", got)
			}
		})
	}
}

func TestStampEmbedsAgainIntoItsOwnOutput(t *testing.T) {
	t.Parallel()
	once := stampFiles(t, onePage(letter), nil, evidence)
	updated := evidence
	updated.Data = []byte(`{"format":"gsign-evidence","events":[]}`)
	twice := stampFiles(t, once, nil, updated)
	qpdfCheck(t, twice)
	if got := attachments(t, twice); len(got) != 1 {
		t.Fatalf("pdfdetach lists %q, want the new evidence.json replacing the old one", got)
	}
	if got := attachment(t, twice, 1); !bytes.Equal(got, updated.Data) {
		t.Errorf("extracted %q, want %q", got, updated.Data)
	}
	if _, specs := catalogAF(t, twice); len(specs) != 1 {
		t.Errorf("/AF has %d entries, want 1", len(specs))
	}
}

func TestStampRefusesBadFiles(t *testing.T) {
	t.Parallel()
	with := func(edit func(*esign.EmbeddedFile)) []esign.EmbeddedFile {
		f := evidence
		edit(&f)
		return []esign.EmbeddedFile{f}
	}
	tests := []struct {
		name  string
		files []esign.EmbeddedFile
		field string
	}{
		{"empty name", with(func(f *esign.EmbeddedFile) { f.Name = "" }), "files[0].name"},
		{"blank name", with(func(f *esign.EmbeddedFile) { f.Name = "  " }), "files[0].name"},
		{"path", with(func(f *esign.EmbeddedFile) { f.Name = "../evidence.json" }), "files[0].name"},
		{"control character", with(func(f *esign.EmbeddedFile) { f.Name = "a\nb.json" }), "files[0].name"},
		{"invalid UTF-8", with(func(f *esign.EmbeddedFile) { f.Name = "\xff.json" }), "files[0].name"},
		{"unknown relationship", with(func(f *esign.EmbeddedFile) { f.Relationship = "supplement" }), "files[0].relationship"},
		{"bad MIME type", with(func(f *esign.EmbeddedFile) { f.MIMEType = "json" }), "files[0].mime_type"},
		{"too large", with(func(f *esign.EmbeddedFile) { f.Data = make([]byte, maxEmbeddedFileSize+1) }), "files[0].data"},
		{"same name twice", []esign.EmbeddedFile{evidence, evidence}, "files[1].name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := (&Stamper{}).Stamp(context.Background(), bytes.NewReader(onePage(letter)), nil, tc.files, &out)
			assertInvalid(t, err, esign.CodeValidation)
			if e := err.(*esign.Error); e.Fields[tc.field] == "" {
				t.Errorf("fields %v do not name %s", e.Fields, tc.field)
			}
			if out.Len() != 0 {
				t.Error("output was written despite the error")
			}
		})
	}
}

func TestStampEmbedsLargestAllowedFile(t *testing.T) {
	t.Parallel()
	f := evidence
	f.Data = bytes.Repeat([]byte("0123456789abcdef"), maxEmbeddedFileSize/16)
	out := stampFiles(t, onePage(letter), nil, f)
	if got := attachment(t, out, 1); !bytes.Equal(got, f.Data) {
		t.Errorf("extracted %d bytes, want the %d embedded", len(got), len(f.Data))
	}
}

func TestStampEmptyRelationshipIsUnspecified(t *testing.T) {
	t.Parallel()
	f := evidence
	f.Relationship, f.MIMEType, f.ModTime = "", "", time.Time{}
	out := stampFiles(t, onePage(letter), nil, f)
	_, specs := catalogAF(t, out)
	if got := specs[0].NameEntry("AFRelationship"); got == nil || *got != "Unspecified" {
		t.Errorf("/AFRelationship %v, want Unspecified", got)
	}
}
