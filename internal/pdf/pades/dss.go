package pades

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// appendDSS writes the B-LT update, planned by planDSS, after what out
// has written so far.
func appendDSS(out *appender, vd validationData, sigContents []byte, at time.Time) error {
	r, err := out.reader()
	if err != nil {
		return fmt.Errorf("reread signed revision: %w", err)
	}
	p, err := planDSS(r, vd, sigContents, at)
	if err != nil {
		return fmt.Errorf("plan dss: %w", err)
	}
	u := &update{}
	if err := p.appendBody(u, nil, at); err != nil {
		return fmt.Errorf("write dss: %w", err)
	}
	if err := out.write(u.buf); err != nil {
		return fmt.Errorf("write dss: %w", err)
	}
	return nil
}

// planDSS plans the B-LT update to the document r reads: a stream object
// per certificate and CRL of vd, a document security store (ETSI EN
// 319 142-1, 5.4.2) listing them, with a /VRI entry for the signature whose
// /Contents value is sigContents, and a new version of the catalog that
// points to it, otherwise unchanged. A DSS the document already has is
// carried over: its /Certs, /CRLs, /OCSPs and /VRI entries stay, and an
// item it already holds is referenced rather than written again.
func planDSS(r *Reader, vd validationData, sigContents []byte, at time.Time) (*plan, error) {
	p, cat, err := planFollowUp(r)
	if err != nil {
		return nil, err
	}
	root := p.root
	old, err := r.ResolveDict(cat.Get("DSS"))
	if err != nil {
		return nil, fmt.Errorf("existing dss: %w", err)
	}
	dss, entry := Dict{{"Type", Name("DSS")}}, Dict{}
	for _, c := range []struct {
		list, vri Name
		items     [][]byte
	}{{"Certs", "Cert", vd.certs}, {"CRLs", "CRL", vd.crls}, {"OCSPs", "OCSP", nil}} {
		list, err := r.resolveArray(old.Get(c.list))
		if err != nil {
			return nil, fmt.Errorf("existing dss /%s: %w", c.list, err)
		}
		refs, added := p.addStreams(streamDigests(r, list), c.items)
		if list = append(list[:len(list):len(list)], added...); len(list) > 0 {
			dss.Set(c.list, list)
		}
		if len(refs) > 0 {
			entry.Set(c.vri, refs)
		}
	}
	entry.Set("TU", String(pdfDate(at)))
	vri, err := r.ResolveDict(old.Get("VRI"))
	if err != nil {
		return nil, fmt.Errorf("existing dss /VRI: %w", err)
	}
	vri = vri.Clone()
	vri.Set(vriKey(sigContents), entry)
	dss.Set("VRI", vri)
	ref := p.alloc()
	p.add(ref, dss)
	cat = cat.Clone()
	cat.Set("DSS", ref)
	p.add(root, cat)
	return p, nil
}

// addStreams returns references to the items: the existing stream for an
// item known by its SHA-256, else a new stream object, which it adds and
// also returns among the added.
func (p *plan) addStreams(known map[[sha256.Size]byte]Object, items [][]byte) (refs, added Array) {
	for _, b := range items {
		if ref, ok := known[sha256.Sum256(b)]; ok {
			refs = append(refs, ref)
			continue
		}
		ref := p.alloc()
		p.add(ref, streamData(b))
		refs, added = append(refs, ref), append(added, ref)
	}
	return refs, added
}

// streamDigests maps the SHA-256 of the decoded data of each stream in
// list to its reference. A stream that cannot be read is left out: it
// stays in the DSS, it is only not matched.
func streamDigests(r *Reader, list Array) map[[sha256.Size]byte]Object {
	known := map[[sha256.Size]byte]Object{}
	for _, ref := range list {
		o, err := r.Resolve(ref)
		s, ok := o.(*Stream)
		if err != nil || !ok {
			continue
		}
		data, err := r.StreamData(s)
		if err != nil {
			continue
		}
		h := sha256.New()
		if _, err := io.Copy(h, data); err == nil {
			known[[sha256.Size]byte(h.Sum(nil))] = ref
		}
	}
	return known
}

// vriKey names a signature's /VRI entry: the uppercase hex SHA-1 of its
// /Contents value, all of the string's bytes, the zero padding after the
// CMS included, as Adobe and iText compute it for CMS signatures.
func vriKey(contents []byte) Name {
	sum := sha1.Sum(contents)
	return Name(strings.ToUpper(hex.EncodeToString(sum[:])))
}

// contents returns the bytes of the filled /Contents string of u.
func (u *update) contents() ([]byte, error) {
	b, err := hex.DecodeString(string(u.buf[u.holeStart+1 : u.holeEnd-1]))
	if err != nil {
		return nil, fmt.Errorf("signature contents: %w", err)
	}
	return b, nil
}
