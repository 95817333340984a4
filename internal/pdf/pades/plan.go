package pades

import (
	"fmt"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// indirect is an object the update writes under the given reference: a new
// object or a new version of an existing one.
type indirect struct {
	ref Ref
	obj Object
}

// plan is the incremental update worked out from the original document
// before any byte is written: which objects change and how the new
// cross-reference section must look.
type plan struct {
	origSize  int64
	needEOL   bool // the original does not end with an end-of-line
	sig       Ref  // the signature dictionary
	objects   []indirect
	root      Ref
	info      Object // the trailer's /Info, if any
	id0       String // first element of the trailer's /ID (or new)
	prev      int64
	stream    bool  // write an xref stream rather than a table
	next      int64 // the first unused object number
	fieldName string
}

// alloc returns a new object reference.
func (p *plan) alloc() Ref {
	p.next++
	return Ref{Num: p.next - 1}
}

// planUpdate decides what the update adds to r: a signature dictionary, a
// signature field that is also its invisible widget on the first page, the
// page's (or its /Annots array's) new version, and the AcroForm's.
func planUpdate(r *Reader, info esign.SealInfo) (*plan, error) {
	trailer := r.Trailer()
	if trailer.Has("Encrypt") {
		return nil, esign.Errorf(esign.KindInvalid, esign.CodePDFEncrypted, "the PDF is encrypted; sealing needs an unencrypted document")
	}
	p, cat, err := planFollowUp(r)
	if err != nil {
		return nil, err
	}
	root := p.root
	if err := checkNotCertified(r, cat); err != nil {
		return nil, err
	}
	if err := p.addField(r, root, cat, info.Name); err != nil {
		return nil, err
	}
	return p, nil
}

// nextObjectNumber is the largest /Size of any section: the newest trailer
// should hold it, but a hybrid file's stream may index beyond it.
func nextObjectNumber(r *Reader) int64 {
	var n int64
	for _, sec := range r.Sections() {
		if s, ok := sec.Trailer.Int("Size"); ok && s > n {
			n = s
		}
		if sec.stream != nil {
			if s, ok := sec.stream.stream.Dict.Int("Size"); ok && s > n {
				n = s
			}
		}
	}
	return max(n, 1)
}

// addField plans the signature dictionary, the field/widget, the first
// page's annotation list and the AcroForm.
func (p *plan) addField(r *Reader, root Ref, cat Dict, name string) error {
	pageRef, page, err := r.FirstPage()
	if err != nil {
		return err
	}
	form, err := r.ResolveDict(cat.Get("AcroForm"))
	if err != nil {
		return fmt.Errorf("acroform: %w", err)
	}
	fields, err := r.resolveArray(form.Get("Fields"))
	if err != nil {
		return fmt.Errorf("acroform fields: %w", err)
	}
	if p.fieldName, err = uniqueFieldName(r, fields, name); err != nil {
		return err
	}
	p.sig = p.alloc()
	field := p.alloc()
	p.add(field, Dict{
		{"Type", Name("Annot")}, {"Subtype", Name("Widget")}, {"FT", Name("Sig")},
		{"T", textString(p.fieldName)}, {"V", p.sig}, {"Rect", Array{Integer(0), Integer(0), Integer(0), Integer(0)}},
		{"F", Integer(132)}, {"P", pageRef},
	})
	if err := p.addAnnot(r, pageRef, page, field); err != nil {
		return err
	}
	return p.addToForm(r, root, cat, form, field)
}

func (p *plan) add(ref Ref, o Object) { p.objects = append(p.objects, indirect{ref, o}) }

// addAnnot appends the widget to the page's /Annots: a new version of the
// array object if it is indirect, else of the page.
func (p *plan) addAnnot(r *Reader, pageRef Ref, page Dict, widget Ref) error {
	annots, err := r.resolveArray(page.Get("Annots"))
	if err != nil {
		return fmt.Errorf("page annotations: %w", err)
	}
	annots = append(annots[:len(annots):len(annots)], widget)
	if ref, ok := page.Get("Annots").(Ref); ok {
		p.add(ref, annots)
		return nil
	}
	page = page.Clone()
	page.Set("Annots", annots)
	p.add(pageRef, page)
	return nil
}

// addToForm adds the field to the AcroForm and sets /SigFlags to
// SignaturesExist|AppendOnly. The catalog gets a new version only when the
// AcroForm is not an indirect object of its own.
func (p *plan) addToForm(r *Reader, root Ref, cat Dict, form Dict, field Ref) error {
	existed := form != nil
	form = form.Clone()
	flags, _ := form.Int("SigFlags")
	form.Set("SigFlags", Integer(flags|3))
	fields, err := r.resolveArray(form.Get("Fields"))
	if err != nil {
		return err
	}
	fields = append(fields[:len(fields):len(fields)], field)
	if ref, ok := form.Get("Fields").(Ref); ok {
		p.add(ref, fields)
	} else {
		form.Set("Fields", fields)
	}
	if ref, ok := cat.Get("AcroForm").(Ref); ok && existed {
		p.add(ref, form)
		return nil
	}
	formRef := p.alloc()
	p.add(formRef, form)
	cat = cat.Clone()
	cat.Set("AcroForm", formRef)
	p.add(root, cat)
	return nil
}

// uniqueFieldName returns name, made a valid partial field name (no
// periods, not empty) and unique among the top-level fields by a numeric
// suffix. Only top-level names can clash: the new field is top-level.
func uniqueFieldName(r *Reader, fields Array, name string) (string, error) {
	name = strings.ReplaceAll(strings.TrimSpace(name), ".", "_")
	if name == "" {
		name = "Seal"
	}
	taken := map[string]bool{}
	for _, f := range fields {
		d, err := r.ResolveDict(f)
		if err != nil {
			return "", fmt.Errorf("acroform field: %w", err)
		}
		if t, ok := d.Get("T").(String); ok {
			taken[decodeText(t)] = true
		}
	}
	candidate := name
	for i := 2; taken[candidate]; i++ {
		candidate = fmt.Sprintf("%s_%d", name, i)
	}
	return candidate, nil
}

// checkNotCertified refuses a document certified with DocMDP permission 1
// (no changes allowed): a further signature would break its certification.
func checkNotCertified(r *Reader, cat Dict) error {
	perms, err := r.ResolveDict(cat.Get("Perms"))
	if err != nil || perms == nil {
		return err
	}
	sig, err := r.ResolveDict(perms.Get("DocMDP"))
	if err != nil || sig == nil {
		return err
	}
	refs, err := r.resolveArray(sig.Get("Reference"))
	if err != nil {
		return err
	}
	for _, ref := range refs {
		d, err := r.ResolveDict(ref)
		if err != nil {
			return err
		}
		params, err := r.ResolveDict(d.Get("TransformParams"))
		if err != nil {
			return err
		}
		if p, _ := params.Int("P"); d.Name("TransformMethod") == "DocMDP" && p == 1 {
			return esign.Errorf(esign.KindInvalid, esign.CodeInvalidPDF, "the PDF is certified with no changes allowed; it cannot be sealed")
		}
	}
	return nil
}
