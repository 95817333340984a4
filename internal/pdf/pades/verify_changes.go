package pades

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/gsign/gsign/internal/esign"
)

// A revision written after a signature may only add what later
// signatures, document timestamps and validation data need (ETSI EN 319
// 142-1, 5.4; ISO 32000-2, 12.8.2.2): signature dictionaries, signature
// fields appended to the form and to a page's /Annots, the AcroForm's
// /Fields and /SigFlags, the catalog's /DSS and /Extensions with the DSS's
// own objects, cross-reference and object streams. Everything else it
// writes — new page content, annotations, pages, catalog entries, any
// other object of the signed revision redefined — is what shadow and
// incremental-saving attacks use to change what a signed document shows,
// and is reported as a disallowed change.

// maxUpdateObjects bounds the objects one update may list.
const maxUpdateObjects = 1 << 20

// maxWalk bounds the objects visited from one starting point.
const maxWalk = 1 << 14

// analyseRevisions fills each revision's signed_by and judges every
// revision written after a signature.
func (v *verifier) analyseRevisions() {
	first := -1
	for _, s := range v.sigs {
		if s.rev == nil {
			continue
		}
		if first < 0 || s.rev.index < first {
			first = s.rev.index
		}
		for i := 0; i <= s.rev.index; i++ {
			if covers(s, v.revs[i]) {
				rr := &v.report.Revisions[i]
				rr.SignedBy = append(rr.SignedBy, s.rep.Field)
			}
		}
	}
	if first < 0 {
		return
	}
	dssBorn := map[int64]bool{}
	for _, rev := range v.revs[first+1:] {
		if v.ctx.Err() != nil {
			return
		}
		c := &revCheck{v: v, rev: rev, old: v.revs[rev.index-1].view, cur: rev.view, dssBorn: dssBorn}
		v.report.Revisions[rev.index].Changes = c.run()
	}
}

// covers reports whether the signature's ByteRange reaches the end of
// revision rev.
func covers(s *sigState, rev *revision) bool {
	if rev == s.rev {
		return s.rep.CoversWholeDocument
	}
	br := s.rep.ByteRange
	return len(br) == 4 && br[2]+br[3] >= rev.end
}

// objPair is an object before and after a revision.
type objPair struct{ old, cur Object }

// revCheck judges one revision against the one before it.
type revCheck struct {
	v        *verifier
	rev      *revision
	old, cur *Reader
	// dssBorn are objects first written as validation data after a
	// signature: the only objects of earlier revisions a later one may
	// rewrite (a DSS dictionary growing with each B-LTA round).
	dssBorn map[int64]bool

	nums     []int64
	changed  map[int64]objPair
	root     Ref
	info     int64
	form     int64
	oldCat   Dict
	cat      Dict
	dss      map[int64]bool
	appear   map[int64]bool
	verdicts map[int64]verdict
	changes  []Change
}

// verdict is whether an object may be appended as a signature field.
type verdict struct {
	ok  bool
	why string
}

func (c *revCheck) run() []Change {
	nums, err := c.v.updatedObjects(c.rev)
	if err != nil {
		return []Change{{Kind: "xref", Reason: "the cross-reference section cannot be read: " + esign.ErrorMessage(err)}}
	}
	c.checkTrailer()
	c.load(nums)
	c.findRoles()
	for _, num := range c.nums {
		ch := c.classify(num)
		if ch.Allowed && ch.Kind == "dss" && isNull(c.changed[num].old) {
			c.dssBorn[num] = true
		}
		c.changes = append(c.changes, ch)
	}
	return c.changes
}

// updatedObjects lists the object numbers the revision's sections hold
// entries for.
func (v *verifier) updatedObjects(rev *revision) ([]int64, error) {
	seen := map[int64]bool{}
	var out []int64
	add := func(first, count int64) error {
		if count < 0 || count > maxUpdateObjects-int64(len(out)) {
			return malformed("the update lists more than %d objects", maxUpdateObjects)
		}
		for n := first; n < first+count; n++ {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
		return nil
	}
	for _, sec := range rev.sections {
		for _, sub := range sec.table {
			if err := add(sub.first, sub.count); err != nil {
				return nil, err
			}
		}
		if sec.stream != nil {
			for _, ix := range sec.stream.index {
				if err := add(ix[0], ix[1]); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// checkTrailer flags a new catalog, information dictionary or encryption.
func (c *revCheck) checkTrailer() {
	ot, nt := c.old.Trailer(), c.cur.Trailer()
	c.root, _ = nt.Get("Root").(Ref)
	if r, ok := ot.Get("Info").(Ref); ok {
		c.info = r.Num
	}
	for _, key := range []Name{"Root", "Info", "Encrypt"} {
		if !c.equal(ot.Get(key), nt.Get(key)) {
			c.changes = append(c.changes, Change{Kind: "trailer", Reason: fmt.Sprintf("the trailer's /%s changed", key)})
		}
	}
}

// load reads each listed object before and after the revision and keeps
// those whose content differs.
func (c *revCheck) load(nums []int64) {
	c.changed = map[int64]objPair{}
	for _, num := range nums {
		if num == 0 {
			continue
		}
		ref := Ref{Num: num}
		o, err := c.old.Object(ref)
		if err == nil {
			var n Object
			if n, err = c.cur.Object(ref); err == nil {
				if !c.equal(o, n) {
					c.changed[num] = objPair{old: o, cur: n}
					c.nums = append(c.nums, num)
				}
				continue
			}
		}
		c.changes = append(c.changes, Change{Object: num, Kind: "unreadable", Reason: "the object cannot be read: " + esign.ErrorMessage(err)})
	}
}

// findRoles finds the catalog, the AcroForm, the validation data and the
// appearances of new signatures, which the rules need.
func (c *revCheck) findRoles() {
	var err error
	if _, c.oldCat, err = c.old.Catalog(); err != nil {
		c.oldCat = nil
	}
	if _, c.cat, err = c.cur.Catalog(); err != nil {
		c.changes = append(c.changes, Change{Object: c.root.Num, Kind: "catalog", Reason: "the catalog cannot be read: " + esign.ErrorMessage(err)})
	}
	if r, ok := c.cat.Get("AcroForm").(Ref); ok {
		c.form = r.Num
	}
	c.dss = map[int64]bool{}
	c.walk(c.cat.Get("DSS"), func(n int64) bool { _, ok := c.changed[n]; return ok || c.dssBorn[n] }, c.dss, 0)
	c.appear = map[int64]bool{}
	c.verdicts = map[int64]verdict{}
	for _, num := range c.nums {
		if d := dictOf(c.changed[num].cur); d != nil && sigFieldIn(c.cur, d, 0) {
			c.fieldVerdict(Ref{Num: num}) // collects the appearance objects
		}
	}
}

// walk visits o and every object reachable from it through references
// that follow accepts, adding those to seen.
func (c *revCheck) walk(o Object, follow func(int64) bool, seen map[int64]bool, depth int) {
	if depth > maxDepth || len(seen) >= maxWalk {
		return
	}
	switch x := o.(type) {
	case Ref:
		if seen[x.Num] || !follow(x.Num) {
			return
		}
		seen[x.Num] = true
		if obj, err := c.cur.Object(x); err == nil {
			c.walk(obj, follow, seen, depth+1)
		}
	case Dict:
		for _, e := range x {
			c.walk(e.Value, follow, seen, depth+1)
		}
	case Array:
		for _, e := range x {
			c.walk(e, follow, seen, depth+1)
		}
	case *Stream:
		c.walk(x.Dict, follow, seen, depth+1)
	}
}

// isNew reports whether the revision wrote num for the first time.
func (c *revCheck) isNew(num int64) bool {
	p, ok := c.changed[num]
	return ok && isNull(p.old)
}

// equal compares two objects by content; references compare by number,
// streams by dictionary (but /Length) and data.
func (c *revCheck) equal(a, b Object) bool {
	switch x := a.(type) {
	case nil, Null:
		return isNull(b)
	case *Stream:
		y, ok := b.(*Stream)
		if !ok {
			return false
		}
		xd, yd := x.Dict.Clone(), y.Dict.Clone()
		xd.Delete("Length")
		yd.Delete("Length")
		return c.equal(xd, yd) && c.sameData(x, y)
	case Dict:
		y, ok := b.(Dict)
		if !ok || len(x) != len(y) {
			return false
		}
		for _, e := range x {
			if !y.Has(e.Key) || !c.equal(e.Value, y.Get(e.Key)) {
				return false
			}
		}
		return true
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !c.equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case Ref:
		y, ok := b.(Ref)
		return ok && x.Num == y.Num
	}
	return a == b
}

// sameData compares the raw data of a stream before and after.
func (c *revCheck) sameData(x, y *Stream) bool {
	rx, err1 := c.old.RawStream(x)
	ry, err2 := c.cur.RawStream(y)
	if err1 != nil || err2 != nil || rx.Size() != ry.Size() {
		return false
	}
	if x.Offset == y.Offset {
		return true
	}
	bx, by := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		n1, e1 := io.ReadFull(rx, bx)
		n2, _ := io.ReadFull(ry, by)
		if n1 != n2 || !bytes.Equal(bx[:n1], by[:n2]) {
			return false
		}
		if e1 != nil {
			return true
		}
	}
}

func isNull(o Object) bool {
	switch o.(type) {
	case nil, Null:
		return true
	}
	return false
}

// dictOf returns o's dictionary if it is a dictionary or a stream.
func dictOf(o Object) Dict {
	switch x := o.(type) {
	case Dict:
		return x
	case *Stream:
		return x.Dict
	}
	return nil
}

func isStreamObj(o Object) bool {
	_, ok := o.(*Stream)
	return ok
}

// unionKeys returns the keys of a and then those of b not in a.
func unionKeys(a, b Dict) []Name {
	var keys []Name
	for _, e := range a {
		keys = append(keys, e.Key)
	}
	for _, e := range b {
		if !a.Has(e.Key) {
			keys = append(keys, e.Key)
		}
	}
	return keys
}
