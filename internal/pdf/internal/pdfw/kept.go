package pdfw

// Kept is a document as Document.WriteKept wrote it: every object as the
// text and data that went into the file. Package pdf's merger builds its
// model of the document from it where it would otherwise find, read and
// parse the same objects in the written file. It is not changed once
// written and may be used by several readers.
type Kept struct {
	// Objects holds the objects in the order of their numbers: object n
	// is Objects[n-1], in generation 0.
	Objects    []Object
	Root, Info int    // the numbers of the catalog and the information dictionary
	ID         []byte // both parts of the trailer's /ID, which are the same
}

// Object is one indirect object as it was written.
type Object struct {
	// Dict holds the dictionary's entries without the delimiters << >>;
	// a stream's include its /Filter and /Length.
	Dict string
	// Stream is a stream's data as written (compressed); nil when the
	// object is a dictionary alone.
	Stream []byte
}

// keep records object n when the objects are kept.
func (o *objects) keep(n int, dict string, stream []byte) {
	k := o.kept
	if k == nil {
		return
	}
	if len(k.Objects) < len(o.offsets) {
		k.Objects = append(k.Objects, make([]Object, len(o.offsets)-len(k.Objects))...)
	}
	k.Objects[n-1] = Object{Dict: dict, Stream: stream}
}
