package pki

import (
	"errors"
	"slices"
)

// maxBERDepth bounds nesting so hostile input cannot exhaust the stack.
const maxBERDepth = 64

// errBER is returned for input that is not BER at all.
var errBER = errors.New("malformed BER")

// berElem is one parsed element: its identifier octets and, already in DER,
// its contents.
type berElem struct {
	id          []byte
	constructed bool
	content     []byte
}

// berToDER re-encodes BER as DER in the ways PKCS#12 writers differ from
// DER: indefinite lengths, non-minimal lengths, and strings split into
// constructed segments. Primitive contents are copied unchanged, so a MAC
// over an OCTET STRING's value still verifies. SET OF ordering is left alone
// because encoding/asn1 does not check it.
func berToDER(data []byte) ([]byte, error) {
	e, rest, err := parseBER(data, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errBER
	}
	return e.der(), nil
}

// parseBER reads one element from b and returns it and what follows it.
func parseBER(b []byte, depth int) (berElem, []byte, error) {
	if depth > maxBERDepth {
		return berElem{}, nil, errBER
	}
	id, b, err := readIdentifier(b)
	if err != nil {
		return berElem{}, nil, err
	}
	e := berElem{id: id, constructed: id[0]&0x20 != 0}
	n, indefinite, b, err := readLength(b)
	switch {
	case err != nil:
		return berElem{}, nil, err
	case indefinite && !e.constructed:
		return berElem{}, nil, errBER
	case indefinite:
		return e.parseChildren(b, depth, true)
	case n > len(b):
		return berElem{}, nil, errBER
	case !e.constructed:
		e.content = b[:n]
		return e, b[n:], nil
	}
	e, rest, err := e.parseChildren(b[:n], depth, false)
	if err != nil || len(rest) != 0 {
		return berElem{}, nil, errBER
	}
	return e, b[n:], nil
}

// parseChildren reads the contents of a constructed element: up to the
// end-of-contents octets if indefinite, else all of b.
func (e berElem) parseChildren(b []byte, depth int, indefinite bool) (berElem, []byte, error) {
	var kids []berElem
	for {
		if indefinite && len(b) >= 2 && b[0] == 0 && b[1] == 0 {
			b = b[2:]
			break
		}
		if len(b) == 0 {
			if indefinite {
				return berElem{}, nil, errBER
			}
			break
		}
		kid, rest, err := parseBER(b, depth+1)
		if err != nil {
			return berElem{}, nil, err
		}
		kids, b = append(kids, kid), rest
	}
	return e.join(kids), b, nil
}

// join sets e's contents from its children, turning a segmented string into
// a primitive one as DER requires.
func (e berElem) join(kids []berElem) berElem {
	segmented := e.segmentedString() && !slices.ContainsFunc(kids, func(k berElem) bool { return k.constructed })
	var content []byte
	for _, k := range kids {
		if segmented {
			content = append(content, k.content...)
		} else {
			content = append(content, k.der()...)
		}
	}
	e.content = content
	if segmented {
		e.id = append([]byte{e.id[0] &^ 0x20}, e.id[1:]...)
		e.constructed = false
	}
	return e
}

// segmentedString reports whether e is a universal string type, whose
// constructed BER form is a list of segments. BIT STRING is left out: its
// segments carry unused-bit counts that do not simply concatenate.
func (e berElem) segmentedString() bool {
	if e.id[0]&0xc0 != 0 || len(e.id) != 1 {
		return false
	}
	switch e.id[0] & 0x1f {
	case 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30:
		return true
	}
	return false
}

// der encodes e with a minimal definite length.
func (e berElem) der() []byte {
	out := slices.Clone(e.id)
	n := len(e.content)
	if n < 0x80 {
		out = append(out, byte(n))
	} else {
		var l []byte
		for ; n > 0; n >>= 8 {
			l = append([]byte{byte(n)}, l...)
		}
		out = append(append(out, 0x80|byte(len(l))), l...)
	}
	return append(out, e.content...)
}

// readIdentifier splits the identifier octets off b.
func readIdentifier(b []byte) (id, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errBER
	}
	n := 1
	if b[0]&0x1f == 0x1f { // high tag number: base-128 until a byte without 0x80
		for ; n < len(b) && b[n]&0x80 != 0; n++ {
		}
		n++
		if n > len(b) || n > 6 {
			return nil, nil, errBER
		}
	}
	return b[:n], b[n:], nil
}

// readLength splits the length octets off b.
func readLength(b []byte) (n int, indefinite bool, rest []byte, err error) {
	if len(b) == 0 {
		return 0, false, nil, errBER
	}
	first := b[0]
	b = b[1:]
	switch {
	case first < 0x80:
		return int(first), false, b, nil
	case first == 0x80:
		return 0, true, b, nil
	}
	k := int(first & 0x7f)
	if k > 4 || k > len(b) {
		return 0, false, nil, errBER
	}
	for _, c := range b[:k] {
		n = n<<8 | int(c)
	}
	return n, false, b[k:], nil
}
