package pades

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func open(t *testing.T, pdf []byte) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return r
}

func TestReaderModes(t *testing.T) {
	for _, tt := range []struct {
		mode      xrefMode
		cacheRows bool
	}{{modeTable, true}, {modeStream, true}, {modeStream, false}, {modeHybrid, true}, {modeHybrid, false}} {
		t.Run(fmt.Sprintf("%s/cache=%t", tt.mode, tt.cacheRows), func(t *testing.T) {
			r := open(t, pageDoc(3).build(tt.mode))
			if !tt.cacheRows {
				r.rowCacheLimit = 0
			}
			ref, page, err := r.FirstPage()
			if err != nil {
				t.Fatal(err)
			}
			if ref.Num != 10 || page.Name("Type") != "Page" {
				t.Errorf("first page = %v %v", ref, page)
			}
			info, err := r.ResolveDict(r.Trailer().Get("Info"))
			if err != nil || info.Get("Title") != String("Test (doc)") {
				t.Errorf("info = %v, %v", info, err)
			}
			content, err := r.Object(Ref{Num: 11})
			if err != nil {
				t.Fatal(err)
			}
			data, err := r.StreamData(content.(*Stream))
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := io.ReadAll(data); !bytes.Contains(b, []byte("(Page 1) Tj")) {
				t.Errorf("content stream = %q", b)
			}
			if o, err := r.Object(Ref{Num: 99}); err != nil || o != (Null{}) {
				t.Errorf("missing object = %v, %v; want null", o, err)
			}
		})
	}
}

// update appends an incremental update to pdf by hand: the given objects,
// a classic table with one subsection per object (entries ending in a
// one-byte EOL, as some writers do) and a trailer with /Prev.
func appendUpdate(t *testing.T, pdf []byte, objs map[int]string, free []int) []byte {
	t.Helper()
	r := open(t, pdf)
	b := bytes.NewBuffer(bytes.Clone(pdf))
	var table strings.Builder
	for n := range 30 {
		if body, ok := objs[n]; ok {
			fmt.Fprintf(&table, "%d 1\n%010d 00000 n\n", n, b.Len())
			fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n, body)
		}
	}
	for _, n := range free {
		fmt.Fprintf(&table, "%d 1\n0000000000 00001 f\n", n)
	}
	start := b.Len()
	fmt.Fprintf(b, "xref\n%strailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", table.String(), 30, r.StartXRef(), start)
	return b.Bytes()
}

func TestReaderIncrementalUpdates(t *testing.T) {
	orig := pageDoc(1).build(modeStream)
	v2 := appendUpdate(t, orig, map[int]string{
		4:  "<< /Title (second) >>",
		20: "<< /Length 21 0 R >>\nstream\nhello\nendstream",
		21: "5",
	}, nil)
	v3 := appendUpdate(t, v2, map[int]string{4: "<< /Title (third) >>"}, []int{3})
	r := open(t, v3)
	if got := len(r.Sections()); got != 3 {
		t.Fatalf("%d sections, want 3", got)
	}
	kinds := []XRefKind{r.Sections()[0].Kind, r.Sections()[1].Kind, r.Sections()[2].Kind}
	if !reflect.DeepEqual(kinds, []XRefKind{XRefTable, XRefTable, XRefStream}) {
		t.Errorf("section kinds = %v", kinds)
	}
	if r.Sections()[0].Prev() != r.Sections()[1].Offset {
		t.Error("/Prev does not link the sections")
	}
	tests := []struct {
		ref  Ref
		want Object
	}{
		{Ref{Num: 4}, Dict{{"Title", String("third")}}},
		{Ref{Num: 3}, Null{}}, // freed in the last update
		{Ref{Num: 21}, Integer(5)},
		{Ref{Num: 2}, Dict{{"Type", Name("Pages")}, {"Kids", Array{Ref{Num: 10}}}, {"Count", Integer(1)}}},
	}
	for _, tt := range tests {
		got, err := r.Object(tt.ref)
		if err != nil {
			t.Fatalf("object %v: %v", tt.ref, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("object %v = %#v, want %#v", tt.ref, got, tt.want)
		}
	}
	s, _ := r.Object(Ref{Num: 20})
	raw, err := r.RawStream(s.(*Stream))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(raw); string(b) != "hello" {
		t.Errorf("stream with indirect /Length = %q", b)
	}
}

func TestReaderErrors(t *testing.T) {
	valid := pageDoc(1).build(modeTable)
	r := open(t, valid)
	loop := bytes.Replace(valid, []byte("/Root 1 0 R"), []byte(fmt.Sprintf("/Prev %d", r.StartXRef())), 1)
	tests := []struct {
		name string
		pdf  []byte
		code string
	}{
		{"no header", []byte("hello\nstartxref\n5\n%%EOF"), esign.CodeInvalidPDF},
		{"no startxref", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), esign.CodePDFTruncated},
		{"bad startxref", []byte("%PDF-1.4\nstartxref\nabc\n%%EOF"), esign.CodeInvalidPDF},
		{"startxref to an object", bytes.Replace(valid, []byte(fmt.Sprintf("startxref\n%d", r.StartXRef())), []byte("startxref\n9"), 1), esign.CodeInvalidPDF},
		{"prev loop", loop, esign.CodeInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.pdf), int64(len(tt.pdf)))
			if got := esign.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q (%v)", got, tt.code, err)
			}
		})
	}
}

func TestReaderWrongObjectAtOffset(t *testing.T) {
	pdf := pageDoc(1).build(modeTable)
	// Point object 1 at object 2's offset.
	r := open(t, pdf)
	loc2, _ := r.locate(2)
	i := bytes.Index(pdf, []byte("xref\n"))
	table := pdf[i:]
	entry := fmt.Sprintf("%010d 00000 n", loc2.a)
	loc1, _ := r.locate(1)
	bad := append(bytes.Clone(pdf[:i]), bytes.Replace(table, []byte(fmt.Sprintf("%010d 00000 n", loc1.a)), []byte(entry), 1)...)
	_, _, err := open(t, bad).Catalog()
	if esign.ErrorCode(err) != esign.CodeInvalidPDF || !strings.Contains(err.Error(), "holds object 2") {
		t.Errorf("Catalog on a bad xref: %v", err)
	}
}

func TestPNGPredictors(t *testing.T) {
	rows := [][]byte{{1, 2, 3, 250}, {4, 4, 200, 7}, {0, 255, 3, 9}, {9, 8, 7, 6}}
	for _, typ := range []byte{0, 1, 2, 3, 4} {
		t.Run(fmt.Sprint(typ), func(t *testing.T) {
			enc := pngEncode(rows, typ, 2)
			r, err := predictor(bytes.NewReader(enc), Dict{{"Predictor", Integer(15)}, {"Columns", Integer(2)}, {"Colors", Integer(2)}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if want := bytes.Join(rows, nil); !bytes.Equal(got, want) {
				t.Errorf("decoded %v, want %v", got, want)
			}
		})
	}
}

// pngEncode filters rows with one PNG filter type.
func pngEncode(rows [][]byte, typ byte, bpp int) []byte {
	var out []byte
	prev := make([]byte, len(rows[0]))
	for _, row := range rows {
		out = append(out, typ)
		for i := range row {
			var left, upLeft byte
			if i >= bpp {
				left, upLeft = row[i-bpp], prev[i-bpp]
			}
			pred := map[byte]byte{0: 0, 1: left, 2: prev[i], 3: byte((int(left) + int(prev[i])) / 2), 4: paeth(left, prev[i], upLeft)}[typ]
			out = append(out, row[i]-pred)
		}
		prev = row
	}
	return out
}

// seekOnly hides bytes.Reader's ReadAt, as a plain io.ReadSeeker would.
type seekOnly struct{ io.ReadSeeker }

func TestSealFromReadSeekerOnly(t *testing.T) {
	pki := getPKI(t)
	orig := pageDoc(1).build(modeStream)
	var out bytes.Buffer
	if err := pki.sealer(t, false).Seal(t.Context(), seekOnly{bytes.NewReader(orig)}, &out, testInfo); err != nil {
		t.Fatal(err)
	}
	checkSealed(t, orig, out.Bytes(), 1)
}
