package pades

import "fmt"

// sigFieldIn reports whether d, as r reads it, is a signature field or a
// widget of one (a kid whose field type is inherited).
func sigFieldIn(r *Reader, d Dict, depth int) bool {
	if d.Name("FT") == "Sig" {
		return true
	}
	if depth > 8 || d.Has("FT") {
		return false
	}
	parent, err := r.ResolveDict(d.Get("Parent"))
	if err != nil || parent == nil {
		return false
	}
	return sigFieldIn(r, parent, depth+1)
}

// fieldVerdict says whether the object ref may be added as a signature
// field or widget in this revision.
func (c *revCheck) fieldVerdict(ref Ref) verdict {
	if v, ok := c.verdicts[ref.Num]; ok {
		return v
	}
	v := c.judgeField(ref)
	c.verdicts[ref.Num] = v
	return v
}

// judgeField accepts a signature field or widget without actions that is
// invisible, or visible with the valid signature of this very revision:
// a visible appearance that no signature of its own revision covers is
// the overlay of the "sneaky signature" attacks.
func (c *revCheck) judgeField(ref Ref) verdict {
	o, err := c.cur.Object(ref)
	if err != nil {
		return verdict{why: "the object cannot be read"}
	}
	d := dictOf(o)
	if d == nil || isStreamObj(o) || !sigFieldIn(c.cur, d, 0) {
		_, what := describe(o)
		return verdict{why: fmt.Sprintf("a %s, not a signature field", what)}
	}
	if d.Has("A") || d.Has("AA") {
		return verdict{why: "the signature widget carries actions"}
	}
	if !visible(c.cur, d) {
		return verdict{ok: true}
	}
	if !c.signedHere(d) {
		return verdict{why: "a visible signature field without a valid signature written in the same revision (sneaky signature attack)"}
	}
	tainted := false
	c.walk(d.Get("AP"), func(n int64) bool {
		if c.dssBorn[n] {
			tainted = true
		}
		return c.isNew(n)
	}, c.appear, 0)
	if tainted {
		return verdict{why: "the signature's appearance uses validation data objects"}
	}
	return verdict{ok: true}
}

// signedHere reports whether the field's value (its own /V or a
// parent's) is a valid signature written in this revision, which then
// covers the widget and its appearance.
func (c *revCheck) signedHere(d Dict) bool {
	for depth := 0; d != nil && depth < 8; depth++ {
		if v, ok := d.Get("V").(Ref); ok {
			for _, s := range c.v.sigs {
				if s.field.value.Num == v.Num && s.rev == c.rev && s.rep.IntegrityOK && s.rep.CoversWholeDocument {
					return true
				}
			}
			return false
		}
		var err error
		if d, err = c.cur.ResolveDict(d.Get("Parent")); err != nil {
			return false
		}
	}
	return false
}

// visible reports whether a widget shows: it has an appearance, a
// rectangle of some area, and is neither hidden nor NoView.
func visible(r *Reader, d Dict) bool {
	const hidden, noView = 2, 32
	if !d.Has("AP") {
		return false
	}
	if f, _ := d.Int("F"); f&(hidden|noView) != 0 {
		return false
	}
	rect, err := r.resolveArray(d.Get("Rect"))
	if err != nil || len(rect) != 4 {
		return false
	}
	var v [4]float64
	for i, o := range rect {
		switch n := o.(type) {
		case Integer:
			v[i] = float64(n)
		case Real:
			v[i] = float64(n)
		default:
			return false
		}
	}
	return v[0] != v[2] && v[1] != v[3]
}
