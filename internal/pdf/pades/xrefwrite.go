package pades

import (
	"cmp"
	"fmt"
	"slices"
)

// runs groups entries, sorted by object number, into runs of consecutive
// numbers: the subsections of a table or the /Index of a stream.
func runs(entries []xrefEntry) [][]xrefEntry {
	slices.SortFunc(entries, func(a, b xrefEntry) int { return cmp.Compare(a.ref.Num, b.ref.Num) })
	var out [][]xrefEntry
	start := 0
	for i := 1; i <= len(entries); i++ {
		if i == len(entries) || entries[i].ref.Num != entries[i-1].ref.Num+1 {
			out = append(out, entries[start:i])
			start = i
		}
	}
	return out
}

// appendXRefTable writes a classic section: table, trailer, startxref.
func (p *plan) appendXRefTable(b []byte, entries []xrefEntry, trailer Dict) []byte {
	start := p.offset(b)
	b = append(b, "xref\n"...)
	for _, run := range runs(entries) {
		b = fmt.Appendf(b, "%d %d\n", run[0].ref.Num, len(run))
		for _, e := range run {
			b = fmt.Appendf(b, "%010d %05d n\r\n", e.off, e.ref.Gen)
		}
	}
	trailer = append(Dict{{"Size", Integer(p.next)}}, trailer...)
	b = append(b, "trailer\n"...)
	b, _ = appendDict(b, trailer) // trailer holds only names, numbers, strings and refs
	return fmt.Appendf(b, "\nstartxref\n%d\n%%%%EOF\n", start)
}

// appendXRefStream writes a cross-reference stream section. Its data is
// left unfiltered: it is a few dozen bytes.
func (p *plan) appendXRefStream(b []byte, entries []xrefEntry, trailer Dict) []byte {
	self := Ref{Num: p.next}
	start := p.offset(b)
	entries = append(entries, xrefEntry{self, start})
	w := offsetWidth(start)
	var data []byte
	var index Array
	for _, run := range runs(entries) {
		index = append(index, Integer(run[0].ref.Num), Integer(len(run)))
		for _, e := range run {
			data = append(data, 1)
			for i := w - 1; i >= 0; i-- {
				data = append(data, byte(e.off>>(8*i)))
			}
			data = append(data, byte(e.ref.Gen>>8), byte(e.ref.Gen))
		}
	}
	d := Dict{
		{"Type", Name("XRef")}, {"Size", Integer(self.Num + 1)}, {"Index", index},
		{"W", Array{Integer(1), Integer(w), Integer(2)}},
	}
	d = append(d, trailer...)
	d = append(d, Entry{"Length", Integer(len(data))})
	b = fmt.Appendf(b, "%d 0 obj\n", self.Num)
	b, _ = appendDict(b, d)
	b = append(b, "\nstream\n"...)
	b = append(b, data...)
	b = append(b, "\nendstream\nendobj\n"...)
	return fmt.Appendf(b, "startxref\n%d\n%%%%EOF\n", start)
}

// offsetWidth is the number of bytes needed for offsets up to max.
func offsetWidth(max int64) int {
	w := 1
	for max >= 1<<(8*w) && w < 8 {
		w++
	}
	return w
}
