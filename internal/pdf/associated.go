package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/gsign/gsign/internal/esign"
)

// The document's embedded files live in two places that Stamp keeps in
// step: the /EmbeddedFiles name tree, which viewers list as attachments,
// and the catalog's /AF array, which says how each file relates to the
// document (PDF 2.0 associated files, as PDF/A-3 uses them).
//
// Stamp edits both as plain objects, rebuilding the name tree as one sorted
// leaf, rather than through pdfcpu's name tree cache: pdfcpu drops a new
// key silently when it is already taken, while here a new file replaces an
// old one of the same name. That is deliberate: an evidence.json already in
// the input — from an earlier pass, a merged part, or forged in an upload —
// must not stand beside the one GSign writes.

// maxNameTreeDepth bounds the walk of an existing name tree, so a hostile
// file cannot recurse without end.
const maxNameTreeDepth = 32

// nameEntry is one key and value of a name tree; key is the string's bytes.
type nameEntry struct {
	key   []byte
	value types.Object
}

// embedFiles adds files to doc as embedded, associated files. A panic from
// pdfcpu while it walks the existing objects means they are broken: that is
// reported as an invalid PDF.
func embedFiles(doc *model.Context, files []esign.EmbeddedFile) error {
	if len(files) == 0 {
		return nil
	}
	err := guard(func() error { return embedFilesUnguarded(doc, files) })
	if errors.Is(err, errPanic) || errors.Is(err, errBadNameTree) {
		return errInvalid("the PDF's embedded files cannot be read")
	}
	return err
}

func embedFilesUnguarded(doc *model.Context, files []esign.EmbeddedFile) error {
	catalog, err := doc.Catalog()
	if err != nil {
		return fmt.Errorf("embed files: %w", err)
	}
	entries, err := embeddedFiles(doc, catalog)
	if err != nil {
		return err
	}
	af, err := associatedFiles(doc, catalog)
	if err != nil {
		return err
	}
	for _, f := range files {
		entries = slices.DeleteFunc(entries, func(e nameEntry) bool {
			return decodeText(e.key) == f.Name || fileSpecName(doc, e.value) == f.Name
		})
		af = slices.DeleteFunc(af, func(o types.Object) bool { return fileSpecName(doc, o) == f.Name })
	}
	entries, af = reconcile(doc, entries, af)
	for _, f := range files {
		ref, err := addFileSpec(doc, f)
		if err != nil {
			return err
		}
		entries = append(entries, nameEntry{key: textBytes(f.Name), value: ref})
		af = append(af, ref)
	}
	if err := setEmbeddedFiles(doc, entries); err != nil {
		return err
	}
	catalog["AF"] = af
	return nil
}

// errBadNameTree marks a name tree that is cyclic, too deep or malformed.
var errBadNameTree = errors.New("malformed name tree")

// embeddedFiles returns the entries of the catalog's /EmbeddedFiles name
// tree, in tree order.
func embeddedFiles(doc *model.Context, catalog types.Dict) ([]nameEntry, error) {
	o, found := catalog.Find("Names")
	if !found || o == nil {
		return nil, nil
	}
	names, err := doc.DereferenceDict(o)
	if err != nil || names == nil {
		return nil, errBadNameTree
	}
	root, found := names.Find("EmbeddedFiles")
	if !found || root == nil {
		return nil, nil
	}
	var entries []nameEntry
	err = walkNameTree(doc, root, 0, map[int]bool{}, func(e nameEntry) { entries = append(entries, e) })
	return entries, err
}

// walkNameTree calls fn for each entry of the name tree node o.
func walkNameTree(doc *model.Context, o types.Object, depth int, seen map[int]bool, fn func(nameEntry)) error {
	if depth > maxNameTreeDepth {
		return errBadNameTree
	}
	if ref, ok := o.(types.IndirectRef); ok {
		if seen[ref.ObjectNumber.Value()] {
			return errBadNameTree
		}
		seen[ref.ObjectNumber.Value()] = true
	}
	node, err := doc.DereferenceDict(o)
	if err != nil || node == nil {
		return errBadNameTree
	}
	if kids, found := node.Find("Kids"); found {
		arr, err := doc.DereferenceArray(kids)
		if err != nil {
			return errBadNameTree
		}
		for _, kid := range arr {
			if err := walkNameTree(doc, kid, depth+1, seen, fn); err != nil {
				return err
			}
		}
	}
	if pairs, found := node.Find("Names"); found {
		arr, err := doc.DereferenceArray(pairs)
		if err != nil || len(arr)%2 != 0 {
			return errBadNameTree
		}
		for i := 0; i < len(arr); i += 2 {
			key, err := stringBytes(doc, arr[i])
			if err != nil {
				return errBadNameTree
			}
			fn(nameEntry{key: key, value: arr[i+1]})
		}
	}
	return nil
}

// stringBytes returns the bytes of a string object.
func stringBytes(doc *model.Context, o types.Object) ([]byte, error) {
	o, err := doc.Dereference(o)
	if err != nil {
		return nil, err
	}
	switch s := o.(type) {
	case types.StringLiteral:
		return types.Unescape(s.Value())
	case types.HexLiteral:
		return s.Bytes()
	default:
		return nil, fmt.Errorf("want a string, got %T", o)
	}
}

// decodeText decodes a PDF text string: UTF-16BE or UTF-8 after a byte
// order mark, else PDFDocEncoding, which is ASCII where names are compared.
func decodeText(b []byte) string {
	if u, ok := bytes.CutPrefix(b, []byte{0xfe, 0xff}); ok {
		units := make([]uint16, len(u)/2)
		for i := range units {
			units[i] = uint16(u[2*i])<<8 | uint16(u[2*i+1])
		}
		return string(utf16.Decode(units))
	}
	u, _ := bytes.CutPrefix(b, []byte{0xef, 0xbb, 0xbf})
	return string(u)
}

// associatedFiles returns a copy of the catalog's /AF array.
func associatedFiles(doc *model.Context, catalog types.Dict) (types.Array, error) {
	o, found := catalog.Find("AF")
	if !found || o == nil {
		return nil, nil
	}
	arr, err := doc.DereferenceArray(o)
	if err != nil {
		return nil, errBadNameTree
	}
	return slices.Clone(arr), nil
}

// fileSpecName returns the file name a file specification shows (/UF, else
// /F), or "" when o is not one.
func fileSpecName(doc *model.Context, o types.Object) string {
	d, err := doc.DereferenceDict(o)
	if err != nil || d == nil {
		return ""
	}
	for _, key := range []string{"UF", "F"} {
		if v, found := d.Find(key); found {
			if v, err := doc.Dereference(v); err == nil {
				if s, err := types.StringOrHexLiteral(v); err == nil {
					return *s
				}
			}
		}
	}
	return ""
}

// reconcile makes every associated file an embedded file too. pdfcpu's
// writer copies only the catalog entries it knows, and /AF is not one of
// them: a file specification that only /AF refers to would be written as a
// dangling reference. Listing it in the name tree gets it written (and
// makes it visible as an attachment, which PDF/A-3 expects anyway). /AF
// entries that no longer resolve to anything are dropped.
func reconcile(doc *model.Context, entries []nameEntry, af types.Array) ([]nameEntry, types.Array) {
	inTree := map[int]bool{}
	for _, e := range entries {
		if ref, ok := e.value.(types.IndirectRef); ok {
			inTree[ref.ObjectNumber.Value()] = true
		}
	}
	kept := af[:0]
	for _, o := range af {
		if d, err := doc.DereferenceDict(o); err != nil || d == nil {
			continue
		}
		kept = append(kept, o)
		if ref, ok := o.(types.IndirectRef); ok && inTree[ref.ObjectNumber.Value()] {
			continue
		}
		entries = append(entries, nameEntry{key: uniqueKey(entries, fileSpecName(doc, o)), value: o})
	}
	return entries, kept
}

// uniqueKey returns a key for name that no entry has.
func uniqueKey(entries []nameEntry, name string) []byte {
	if name == "" {
		name = "attachment"
	}
	key := textBytes(name)
	for n := 2; slices.ContainsFunc(entries, func(e nameEntry) bool { return bytes.Equal(e.key, key) }); n++ {
		key = textBytes(name + " (" + strconv.Itoa(n) + ")")
	}
	return key
}

// setEmbeddedFiles replaces the /EmbeddedFiles name tree by a single leaf
// holding entries sorted by key, as name trees require. The old tree's
// nodes are no longer referenced, so pdfcpu does not write them.
func setEmbeddedFiles(doc *model.Context, entries []nameEntry) error {
	slices.SortStableFunc(entries, func(a, b nameEntry) int { return bytes.Compare(a.key, b.key) })
	pairs := make(types.Array, 0, 2*len(entries))
	for _, e := range entries {
		pairs = append(pairs, stringObject(e.key), e.value)
	}
	names, err := doc.NamesDict()
	if err != nil || names == nil {
		return errBadNameTree
	}
	ref, err := doc.IndRefForNewObject(types.Dict{"Names": pairs})
	if err != nil {
		return fmt.Errorf("embed files: add name tree: %w", err)
	}
	names["EmbeddedFiles"] = *ref
	// pdfcpu rebinds the name trees it cached while validating when it
	// writes; forgetting this one keeps it from overwriting the new tree.
	delete(doc.Names, "EmbeddedFiles")
	return nil
}
