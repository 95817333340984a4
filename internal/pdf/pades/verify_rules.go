package pades

import (
	"fmt"
	"strings"
)

// classify judges one object the revision wrote with new content.
func (c *revCheck) classify(num int64) Change {
	p := c.changed[num]
	ch := Change{Object: num}
	switch {
	case isNull(p.cur):
		return deny(ch, "deleted", "an object of the signed revision was deleted")
	case num == c.root.Num:
		return c.classifyCatalog(ch, p)
	case c.isOwnXRef(num, p.cur):
		return allow(ch, "xref_stream", "cross-reference stream")
	case isNull(p.old) && dictOf(p.cur).Name("Type") == "ObjStm":
		return allow(ch, "object_stream", "object stream")
	case isNull(p.old) && isSigDict(p.cur):
		return allow(ch, "signature", "signature dictionary")
	case num == c.form:
		return verdictOf(ch, "acroform", "AcroForm: signature fields appended", c.formIssues(c.oldCat.Get("AcroForm"), Ref{Num: num}))
	case c.dss[num] && (isNull(p.old) || (c.dssBorn[num] && !isStreamObj(p.old) && !isStreamObj(p.cur))):
		return allow(ch, "dss", "validation data (DSS)")
	case isNull(p.old):
		return c.classifyNew(ch, p.cur)
	}
	return c.classifyChanged(ch, p)
}

func allow(ch Change, kind, reason string) Change {
	ch.Kind, ch.Allowed, ch.Reason = kind, true, reason
	return ch
}

func deny(ch Change, kind, reason string) Change {
	ch.Kind, ch.Allowed, ch.Reason = kind, false, reason
	return ch
}

// verdictOf allows the change when there are no issues.
func verdictOf(ch Change, kind, ok string, issues []string) Change {
	if len(issues) == 0 {
		return allow(ch, kind, ok)
	}
	return deny(ch, kind, strings.Join(issues, "; "))
}

// classifyNew judges an object that did not exist before.
func (c *revCheck) classifyNew(ch Change, o Object) Change {
	if d := dictOf(o); d != nil && sigFieldIn(c.cur, d, 0) {
		if v := c.fieldVerdict(Ref{Num: ch.Object}); !v.ok {
			return deny(ch, "signature_field", v.why)
		}
		return allow(ch, "signature_field", "signature field")
	}
	if c.appear[ch.Object] {
		return allow(ch, "appearance", "appearance of a new signature")
	}
	kind, what := describe(o)
	switch kind {
	case "annotation":
		return deny(ch, kind, fmt.Sprintf("a new %s was added, which is not a signature widget", what))
	case "page":
		return deny(ch, kind, "a new page was added")
	}
	return deny(ch, kind, fmt.Sprintf("a new %s was added that is not part of a signature, document timestamp or DSS", what))
}

// classifyChanged judges a new version of an object of the signed
// revision.
func (c *revCheck) classifyChanged(ch Change, p objPair) Change {
	od := dictOf(p.old)
	oa, oldArr := p.old.(Array)
	na, newArr := p.cur.(Array)
	switch {
	case isSigDict(p.old):
		return deny(ch, "signature", "a signature dictionary was changed")
	case od != nil && sigFieldIn(c.old, od, 0):
		return c.classifySigField(ch, p)
	case od.Name("Type") == "Page":
		return c.classifyPage(ch, p)
	case od.Name("Type") == "Pages":
		return deny(ch, "pages", "a page tree node was changed (/Kids or /Count): pages were added, removed or reordered")
	case oldArr && newArr:
		return verdictOf(ch, "array", "signature fields appended", c.appendOnly(oa, na))
	case ch.Object == c.info:
		return deny(ch, "info", "the document information dictionary was changed")
	case isStreamObj(p.old):
		return deny(ch, "stream", "a stream of the signed revision was redefined with other content (shadow attack)")
	}
	kind, what := describe(p.old)
	return deny(ch, kind, fmt.Sprintf("the %s was redefined with other content", what))
}

// classifyCatalog allows only /AcroForm (checked like the form), /DSS and
// /Extensions to change.
func (c *revCheck) classifyCatalog(ch Change, p objPair) Change {
	od, nd := c.oldCat, dictOf(p.cur)
	var issues []string
	kind, reason := "dss", "catalog: /DSS updated"
	for _, key := range unionKeys(od, nd) {
		if c.equal(od.Get(key), nd.Get(key)) {
			continue
		}
		switch {
		case key == "Extensions" || (key == "DSS" && nd.Has("DSS")):
		case key == "AcroForm":
			kind, reason = "catalog", "catalog: /AcroForm updated"
			if r, ok := nd.Get(key).(Ref); ok && c.changed[r.Num].cur != nil {
				continue // judged as the AcroForm object itself
			}
			issues = append(issues, c.formIssues(od.Get(key), nd.Get(key))...)
		default:
			issues = append(issues, fmt.Sprintf("the catalog's /%s changed", key))
		}
	}
	if len(issues) > 0 {
		kind = "catalog"
	}
	return verdictOf(ch, kind, reason, issues)
}

// formIssues compares the AcroForm before and after: only /Fields may
// grow, by signature fields, and /SigFlags change. /DA and /DR may appear
// in a form that had no fields.
func (c *revCheck) formIssues(oldV, newV Object) []string {
	od, err1 := c.old.ResolveDict(oldV)
	nd, err2 := c.cur.ResolveDict(newV)
	if err1 != nil || err2 != nil {
		return []string{"the AcroForm cannot be read"}
	}
	oldFields, _ := c.old.resolveArray(od.Get("Fields"))
	var issues []string
	for _, key := range unionKeys(od, nd) {
		if c.equal(od.Get(key), nd.Get(key)) {
			continue
		}
		switch {
		case key == "SigFlags":
		case key == "Fields":
			of, err1 := c.old.resolveArray(od.Get(key))
			nf, err2 := c.cur.resolveArray(nd.Get(key))
			if err1 != nil || err2 != nil {
				issues = append(issues, "the AcroForm's /Fields cannot be read")
				continue
			}
			issues = append(issues, c.appendOnly(of, nf)...)
		case (key == "DA" || key == "DR") && len(oldFields) == 0 && !od.Has(key):
		default:
			issues = append(issues, fmt.Sprintf("the AcroForm's /%s changed", key))
		}
	}
	return issues
}

// classifyPage allows a page to change only by signature widgets appended
// to its /Annots.
func (c *revCheck) classifyPage(ch Change, p objPair) Change {
	od, nd := dictOf(p.old), dictOf(p.cur)
	var issues []string
	for _, key := range unionKeys(od, nd) {
		if c.equal(od.Get(key), nd.Get(key)) {
			continue
		}
		switch key {
		case "Annots":
			oa, err1 := c.old.resolveArray(od.Get(key))
			na, err2 := c.cur.resolveArray(nd.Get(key))
			if err1 != nil || err2 != nil {
				issues = append(issues, "the page's /Annots cannot be read")
				continue
			}
			issues = append(issues, c.appendOnly(oa, na)...)
		case "Contents":
			issues = append(issues, "the page's /Contents changed: new page content (overlay)")
		default:
			issues = append(issues, fmt.Sprintf("the page's /%s changed", key))
		}
	}
	return verdictOf(ch, "page", "page: signature widget added to /Annots", issues)
}

// classifySigField allows an existing signature field (or its widget) to
// be signed: /V set where there was none, and its appearance.
func (c *revCheck) classifySigField(ch Change, p objPair) Change {
	od, nd := dictOf(p.old), dictOf(p.cur)
	var issues []string
	for _, key := range unionKeys(od, nd) {
		switch {
		case c.equal(od.Get(key), nd.Get(key)):
		case key == "V" && !od.Has("V"), key == "AP":
		case key == "V":
			issues = append(issues, "the signature field's existing value was replaced")
		default:
			issues = append(issues, fmt.Sprintf("the signature field's /%s changed", key))
		}
	}
	if v := c.fieldVerdict(Ref{Num: ch.Object}); !v.ok {
		issues = append(issues, v.why)
	}
	return verdictOf(ch, "signature_field", "signature field signed", issues)
}

// appendOnly checks that na is oa with signature fields appended.
func (c *revCheck) appendOnly(oa, na Array) []string {
	if len(na) < len(oa) {
		return []string{"entries were removed from an array of the signed revision"}
	}
	for i := range oa {
		if !c.equal(oa[i], na[i]) {
			return []string{"an entry of an array of the signed revision was replaced"}
		}
	}
	var issues []string
	for _, o := range na[len(oa):] {
		ref, ok := o.(Ref)
		if !ok {
			issues = append(issues, fmt.Sprintf("a direct %s was appended", typeName(o)))
			continue
		}
		if v := c.fieldVerdict(ref); !v.ok {
			issues = append(issues, fmt.Sprintf("appended object %d: %s", ref.Num, v.why))
		}
	}
	return issues
}

// isOwnXRef reports whether num is the cross-reference stream of this
// revision itself, not merely an object claiming /Type /XRef.
func (c *revCheck) isOwnXRef(num int64, o Object) bool {
	if dictOf(o).Name("Type") != "XRef" {
		return false
	}
	loc, err := c.cur.locate(num)
	if err != nil || loc.kind != locOffset {
		return false
	}
	for _, sec := range c.rev.sections {
		if loc.a == sec.Offset || (sec.XRefStm != 0 && loc.a == sec.XRefStm) {
			return true
		}
	}
	return false
}

// isSigDict reports whether o is a signature or document timestamp
// dictionary.
func isSigDict(o Object) bool {
	d, ok := o.(Dict)
	if !ok {
		return false
	}
	switch d.Name("Type") {
	case "Sig", "DocTimeStamp":
		return true
	case "":
		return d.Has("ByteRange") && d.Has("Contents") && d.Has("Filter")
	}
	return false
}

// describe names an object's kind for a reason: annotation, page, stream…
func describe(o Object) (kind, what string) {
	d := dictOf(o)
	typ, sub := d.Name("Type"), d.Name("Subtype")
	switch {
	case typ == "Annot" || (sub != "" && d.Has("Rect") && !isStreamObj(o)):
		return "annotation", fmt.Sprintf("/%s annotation", sub)
	case typ == "Page":
		return "page", "page"
	case typ == "Pages":
		return "pages", "page tree node"
	case typ == "Catalog":
		return "catalog", "catalog"
	case isStreamObj(o) && typ == "" && sub == "":
		return "stream", "stream (page content or data)"
	case isStreamObj(o):
		var b strings.Builder
		for _, n := range []Name{typ, sub} {
			if n != "" {
				fmt.Fprintf(&b, "/%s ", n)
			}
		}
		return "stream", b.String() + "stream"
	case typ != "":
		return "dictionary", fmt.Sprintf("/%s dictionary", typ)
	case d != nil:
		return "dictionary", "dictionary"
	}
	return typeName(o), typeName(o)
}
