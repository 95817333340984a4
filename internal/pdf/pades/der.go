package pades

import (
	"bytes"
	"encoding/asn1"
	"slices"
)

// The CMS structure is written with these few DER helpers rather than with
// encoding/asn1 struct tags: it keeps implicit tagging, DEFAULT omission and
// the SET OF order of the signed attributes explicit and easy to audit.

const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0], constructed
	tagContext1    = 0xa1 // [1], constructed
	tagContext4    = 0xa4 // [4], constructed
)

// tlv encodes one DER element whose contents are the concatenated parts.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n+6)
	b = append(b, tag)
	b = appendLength(b, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func appendLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	var l []byte
	for ; n > 0; n >>= 8 {
		l = append([]byte{byte(n)}, l...)
	}
	return append(append(b, 0x80|byte(len(l))), l...)
}

func seq(parts ...[]byte) []byte { return tlv(tagSequence, parts...) }

// setOf encodes a DER SET OF: its elements sorted by their encodings.
func setOf(elems ...[]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return tlv(tagSet, sorted...)
}

func octets(b []byte) []byte { return tlv(tagOctetString, b) }

func oid(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic("pades: bad object identifier " + o.String()) // only package constants reach here
	}
	return b
}

// integer encodes an int or *big.Int.
func integer(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("pades: cannot encode integer") // only ints and big.Ints reach here
	}
	return b
}

// implicit re-tags a constructed element (such as a SET) for IMPLICIT
// tagging: same contents, new tag.
func implicit(tag byte, elem []byte) []byte {
	out := slices.Clone(elem)
	out[0] = tag
	return out
}

// attribute encodes an Attribute: SEQUENCE { type, SET OF value }.
func attribute(typ asn1.ObjectIdentifier, value []byte) []byte {
	return seq(oid(typ), setOf(value))
}
