package pades

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

func parse(s string) (Object, error) {
	return newLexer(strings.NewReader(s), 0, 16).parseObject()
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Object
	}{
		{"null", "null", Null{}},
		{"true", "true", Bool(true)},
		{"false", " false ", Bool(false)},
		{"integer", "-42", Integer(-42)},
		{"plus sign", "+17", Integer(17)},
		{"real", "3.25", Real(3.25)},
		{"real leading period", "-.5", Real(-0.5)},
		{"real trailing period", "4.", Real(4)},
		{"reference", "12 0 R", Ref{Num: 12}},
		{"name", "/Type", Name("Type")},
		{"name escapes", "/A#20B#23", Name("A B#")},
		{"name bad escape kept", "/A#zz", Name("A#zz")},
		{"empty name", "/ ", Name("")},
		{"literal string", "(hello)", String("hello")},
		{"nested parentheses", "(a (b) c)", String("a (b) c")},
		{"escapes", `(\(\)\\\n\r\t\b\f\q)`, String("()\\\n\r\t\b\fq")},
		{"octal", `(\101\0612\7)`, String("A12\x07")},
		{"line continuation", "(ab\\\r\ncd)", String("abcd")},
		{"unescaped CRLF becomes LF", "(a\r\nb\rc)", String("a\nb\nc")},
		{"hex string", "<48 65 6c6C6f>", String("Hello")},
		{"odd hex string", "<414>", String("A@")},
		{"empty hex string", "<>", String("")},
		{"array", "[1 2 0 R /N (s) [true]]", Array{Integer(1), Ref{Num: 2}, Name("N"), String("s"), Array{Bool(true)}}},
		{"integers not refs", "[1 2 3]", Array{Integer(1), Integer(2), Integer(3)}},
		{"dictionary", "<</A 1/B<</C[]>>>>", Dict{{"A", Integer(1)}, {"B", Dict{{"C", Array{}}}}}},
		{"null value drops the key", "<< /A null /B 2 >>", Dict{{"B", Integer(2)}}},
		{"later duplicate wins", "<< /A 1 /A 2 >>", Dict{{"A", Integer(2)}}},
		{"comments", "% comment\n[1 % inside\n2]", Array{Integer(1), Integer(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.in)
			if err != nil {
				t.Fatalf("parse %q: %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parse %q = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseObjectErrors(t *testing.T) {
	tests := []struct {
		name, in, code string
	}{
		{"empty", "", esign.CodePDFTruncated},
		{"unterminated array", "[1 2", esign.CodePDFTruncated},
		{"unterminated dictionary", "<< /A 1", esign.CodePDFTruncated},
		{"unterminated string", "(abc", esign.CodePDFTruncated},
		{"key not a name", "<< 1 2 >>", esign.CodeInvalidPDF},
		{"bad hex", "<4G>", esign.CodeInvalidPDF},
		{"stray keyword", "obj", esign.CodeInvalidPDF},
		{"stray delimiter", ")", esign.CodeInvalidPDF},
		{"too deep", strings.Repeat("[", maxDepth+2), esign.CodeInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.in)
			if err == nil {
				t.Fatalf("parse %q succeeded", tt.in)
			}
			if got := esign.ErrorCode(err); got != tt.code {
				t.Errorf("parse %q: code %q, want %q (%v)", tt.in, got, tt.code, err)
			}
		})
	}
}

func TestParseIndirect(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantRef    Ref
		wantOffset int64 // for streams
	}{
		{"dictionary", "7 0 obj\n<< /A 1 >>\nendobj", Ref{Num: 7}, -1},
		{"stream LF", "8 1 obj << /Length 3 >> stream\nabc\nendstream", Ref{Num: 8, Gen: 1}, 31},
		{"stream CRLF", "9 0 obj<</Length 3>>stream\r\nabc", Ref{Num: 9}, 28},
		{"integer", "10 0 obj 42 endobj", Ref{Num: 10}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, o, err := newLexer(strings.NewReader(tt.in), 0, 16).parseIndirect()
			if err != nil {
				t.Fatal(err)
			}
			if ref != tt.wantRef {
				t.Errorf("ref = %v, want %v", ref, tt.wantRef)
			}
			s, isStream := o.(*Stream)
			if isStream != (tt.wantOffset >= 0) {
				t.Fatalf("object = %#v", o)
			}
			if isStream && s.Offset != tt.wantOffset {
				t.Errorf("stream data offset = %d, want %d (%q)", s.Offset, tt.wantOffset, tt.in[s.Offset:])
			}
		})
	}
}

func TestWriteObjectRoundTrip(t *testing.T) {
	objs := []Object{
		Dict{{"Type", Name("Page")}, {"Odd Name#(", Name("a/b c")}, {"Kids", Array{Ref{Num: 3}, Integer(-1), Real(0.5), Real(-2.25)}}},
		String("plain (with) parens \\ and backslash"),
		String("binary \x00\r\n\xff"),
		Array{Null{}, Bool(true), Bool(false), Dict{}},
		textString("Zürich ✓"),
	}
	for _, o := range objs {
		b, err := appendObject(nil, o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parse(string(b))
		if err != nil {
			t.Fatalf("reparse %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, o) {
			t.Errorf("round trip of %#v via %s gave %#v", o, b, got)
		}
	}
	if got := decodeText(textString("Zürich ✓")); got != "Zürich ✓" {
		t.Errorf("decodeText(textString) = %q", got)
	}
	if _, err := appendObject(nil, &Stream{}); err == nil {
		t.Error("writing a stream succeeded")
	}
}
