package pades

import (
	"fmt"
	"strconv"
)

// Object is one PDF object: Null, Bool, Integer, Real, String, Name, Array,
// Dict, Ref or *Stream. A nil Object reads as null (an absent dictionary
// entry, a free or missing object).
type Object any

// Null is the PDF null object.
type Null struct{}

// Bool is a PDF boolean.
type Bool bool

// Integer is a PDF integer.
type Integer int64

// Real is a PDF real number.
type Real float64

// String is a PDF string's bytes after escapes are decoded, whether it was
// written as a literal or as hex.
type String string

// Name is a PDF name without its slash, #xx escapes decoded.
type Name string

// Array is a PDF array.
type Array []Object

// Ref is an indirect reference "Num Gen R".
type Ref struct {
	Num int64
	Gen int64
}

// String formats r the way PDF writes it.
func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Entry is one key/value pair of a Dict.
type Entry struct {
	Key   Name
	Value Object
}

// Dict is a PDF dictionary. It keeps the order of its entries so that a
// rewritten object reads like the original; dictionaries are small, so
// lookups are linear.
type Dict []Entry

// Get returns the value for key, or nil if the key is absent.
func (d Dict) Get(key Name) Object {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// Has reports whether key is present (even with a null value).
func (d Dict) Has(key Name) bool {
	for _, e := range d {
		if e.Key == key {
			return true
		}
	}
	return false
}

// Set replaces the value for key, or appends the entry if key is absent.
func (d *Dict) Set(key Name, v Object) {
	for i, e := range *d {
		if e.Key == key {
			(*d)[i].Value = v
			return
		}
	}
	*d = append(*d, Entry{Key: key, Value: v})
}

// Delete removes key if present.
func (d *Dict) Delete(key Name) {
	for i, e := range *d {
		if e.Key == key {
			*d = append((*d)[:i], (*d)[i+1:]...)
			return
		}
	}
}

// Clone returns a copy of d whose entry slice can be changed without
// touching d (values are shared).
func (d Dict) Clone() Dict { return append(Dict(nil), d...) }

// Name returns d[key] if it is a name, else "".
func (d Dict) Name(key Name) Name {
	n, _ := d.Get(key).(Name)
	return n
}

// Int returns d[key] if it is an integer.
func (d Dict) Int(key Name) (int64, bool) {
	i, ok := d.Get(key).(Integer)
	return int64(i), ok
}

// Stream is a stream object: its dictionary and where its raw (still
// encoded) data starts in the file. The data is read only on demand, see
// Reader.StreamData.
type Stream struct {
	Dict Dict
	// Offset is the file offset of the first data byte, just after the
	// end-of-line that follows the "stream" keyword.
	Offset int64
}

// typeName names an object's type for error messages.
func typeName(o Object) string {
	switch o.(type) {
	case nil, Null:
		return "null"
	case Bool:
		return "boolean"
	case Integer:
		return "integer"
	case Real:
		return "real"
	case String:
		return "string"
	case Name:
		return "name"
	case Array:
		return "array"
	case Dict:
		return "dictionary"
	case Ref:
		return "reference"
	case *Stream:
		return "stream"
	}
	return fmt.Sprintf("%T", o)
}

// formatReal writes a real without an exponent, which PDF does not allow.
func formatReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}
