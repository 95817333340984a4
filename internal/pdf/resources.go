package pdf

import (
	"fmt"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pageResources is a page's new resource dictionary: a shallow copy of the
// one in effect, with private copies of its Font and XObject dictionaries
// so that resources shared with other pages are never modified.
type pageResources struct {
	dict, fonts, xobjects types.Dict
	names                 map[types.IndirectRef]string
}

func newPageResources(doc *model.Context, inherited types.Dict) (*pageResources, error) {
	res := &pageResources{dict: types.Dict{}, names: map[types.IndirectRef]string{}}
	for k, v := range inherited {
		res.dict[k] = v
	}
	var err error
	if res.fonts, err = copySubdict(doc, res.dict, "Font"); err != nil {
		return nil, err
	}
	if res.xobjects, err = copySubdict(doc, res.dict, "XObject"); err != nil {
		return nil, err
	}
	return res, nil
}

func copySubdict(doc *model.Context, res types.Dict, key string) (types.Dict, error) {
	out := types.Dict{}
	if o, found := res.Find(key); found && o != nil {
		d, err := doc.DereferenceDict(o)
		if err != nil {
			return nil, fmt.Errorf("resources /%s: %w", key, err)
		}
		for k, v := range d {
			out[k] = v
		}
	}
	res[key] = out
	return out, nil
}

func (p *pageResources) font(ref types.IndirectRef) string {
	return p.add(p.fonts, "GSignF", ref)
}

func (p *pageResources) xobject(ref types.IndirectRef) string {
	return p.add(p.xobjects, "GSignIm", ref)
}

// add names ref in sub, choosing a name the page does not use yet.
func (p *pageResources) add(sub types.Dict, prefix string, ref types.IndirectRef) string {
	if name, ok := p.names[ref]; ok {
		return name
	}
	for n := 1; ; n++ {
		name := prefix + strconv.Itoa(n)
		if _, taken := sub[name]; !taken {
			sub[name] = ref
			p.names[ref] = name
			return name
		}
	}
}
