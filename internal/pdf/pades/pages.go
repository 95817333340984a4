package pades

// maxTreeDepth bounds the page tree walk, against cycles.
const maxTreeDepth = 64

// Catalog returns the reference to the document catalog (/Root) and the
// catalog dictionary.
func (r *Reader) Catalog() (Ref, Dict, error) {
	ref, ok := r.Trailer().Get("Root").(Ref)
	if !ok {
		return Ref{}, nil, malformed("trailer has no /Root reference")
	}
	d, err := r.ResolveDict(ref)
	if err != nil {
		return Ref{}, nil, err
	}
	if d == nil {
		return Ref{}, nil, malformed("the catalog (object %d) is missing", ref.Num)
	}
	return ref, d, nil
}

// FirstPage returns the reference to the document's first page and the
// page dictionary, walking down the first kid of each page tree node.
func (r *Reader) FirstPage() (Ref, Dict, error) {
	_, cat, err := r.Catalog()
	if err != nil {
		return Ref{}, nil, err
	}
	ref, ok := cat.Get("Pages").(Ref)
	if !ok {
		return Ref{}, nil, malformed("catalog has no /Pages reference")
	}
	for range maxTreeDepth {
		node, err := r.ResolveDict(ref)
		if err != nil {
			return Ref{}, nil, err
		}
		if node == nil {
			return Ref{}, nil, malformed("page tree node %d is missing", ref.Num)
		}
		if node.Name("Type") == "Page" || !node.Has("Kids") {
			return ref, node, nil
		}
		kids, err := r.resolveArray(node.Get("Kids"))
		if err != nil {
			return Ref{}, nil, err
		}
		if len(kids) == 0 {
			return Ref{}, nil, malformed("the document has no pages")
		}
		if ref, ok = kids[0].(Ref); !ok {
			return Ref{}, nil, malformed("page tree kid is not a reference")
		}
	}
	return Ref{}, nil, malformed("page tree is too deep")
}

// resolveArray resolves o and requires an array; null gives an empty one.
func (r *Reader) resolveArray(o Object) (Array, error) {
	v, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch a := v.(type) {
	case Array:
		return a, nil
	case nil, Null:
		return nil, nil
	}
	return nil, malformed("expected an array, found a %s", typeName(v))
}
