package pades

import (
	"bufio"
	"compress/zlib"
	"io"
)

// decodeStream applies a stream's /Filter chain to its raw data. Only what
// structural streams use is supported: FlateDecode with or without a PNG
// predictor. Content streams are never decoded by this package.
func decodeStream(raw io.Reader, d Dict) (io.Reader, error) {
	filters, parms, err := filterChain(d)
	if err != nil {
		return nil, err
	}
	r := raw
	for i, f := range filters {
		if f != "FlateDecode" && f != "Fl" {
			return nil, unsupported("stream filter /%s", f)
		}
		z, err := zlib.NewReader(bufio.NewReaderSize(r, 32<<10))
		if err != nil {
			return nil, malformed("bad FlateDecode data: %v", err)
		}
		if r, err = predictor(z, parms[i]); err != nil {
			return nil, err
		}
	}
	if len(filters) == 0 {
		return r, nil
	}
	return &checkedReader{r: r, left: maxDecoded}, nil
}

// maxDecoded bounds the decoded size of one stream. The streams this
// package decodes (xref and object streams) are far smaller; the bound
// keeps a compression bomb from keeping a lookup busy for minutes.
const maxDecoded = 128 << 20

// checkedReader reports broken encoded data as a malformed document rather
// than as a bare decompressor error, and enforces maxDecoded.
type checkedReader struct {
	r    io.Reader
	left int64
}

// Read implements io.Reader.
func (c *checkedReader) Read(b []byte) (int, error) {
	if c.left <= 0 {
		return 0, malformed("stream decodes to more than %d bytes", maxDecoded)
	}
	n, err := c.r.Read(b[:min(int64(len(b)), c.left)])
	c.left -= int64(n)
	if err != nil && err != io.EOF {
		err = malformed("corrupt stream data: %v", err)
	}
	return n, err
}

// filterChain returns the filter names and their (possibly nil) parameters.
func filterChain(d Dict) ([]Name, []Dict, error) {
	var filters []Name
	switch f := d.Get("Filter").(type) {
	case nil:
		return nil, nil, nil
	case Name:
		filters = []Name{f}
	case Array:
		for _, v := range f {
			n, ok := v.(Name)
			if !ok {
				return nil, nil, malformed("stream /Filter holds a %s", typeName(v))
			}
			filters = append(filters, n)
		}
	default:
		return nil, nil, malformed("stream /Filter is a %s", typeName(f))
	}
	parms := make([]Dict, len(filters))
	switch p := d.Get("DecodeParms").(type) {
	case Dict:
		parms[0] = p
	case Array:
		for i, v := range p {
			if pd, ok := v.(Dict); ok && i < len(parms) {
				parms[i] = pd
			}
		}
	}
	return filters, parms, nil
}

// predictor wraps r to undo the /Predictor in parms, if any.
func predictor(r io.Reader, parms Dict) (io.Reader, error) {
	pred, _ := parms.Int("Predictor")
	if pred <= 1 {
		return r, nil
	}
	if pred < 10 {
		return nil, unsupported("TIFF predictor %d", pred)
	}
	colors, bpc, columns := intOr(parms, "Colors", 1), intOr(parms, "BitsPerComponent", 8), intOr(parms, "Columns", 1)
	if colors < 1 || colors > 32 || columns < 1 || columns > 1<<16 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, malformed("bad predictor parameters")
	}
	bpp := max(1, int(colors*bpc+7)/8)
	rowLen := int(columns*colors*bpc+7) / 8
	if rowLen > 1<<16 {
		return nil, malformed("predictor rows too long")
	}
	return &pngReader{r: r, bpp: bpp, prev: make([]byte, rowLen+1), cur: make([]byte, rowLen+1)}, nil
}

func intOr(d Dict, key Name, def int64) int64 {
	if v, ok := d.Int(key); ok {
		return v
	}
	return def
}

// pngReader undoes PNG row filters (predictors 10–15: each row says which
// filter it used).
type pngReader struct {
	r         io.Reader
	bpp       int
	prev, cur []byte // row buffers, filter-type byte first
	pending   []byte
	err       error
}

// Read implements io.Reader.
func (p *pngReader) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		p.nextRow()
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// nextRow decodes one row into pending. A short final row is decoded as far
// as it goes, as other readers do.
func (p *pngReader) nextRow() {
	n, err := io.ReadFull(p.r, p.cur)
	if err != nil {
		p.err = err
		if err == io.ErrUnexpectedEOF {
			p.err = io.EOF
		}
		if n <= 1 {
			return
		}
	}
	row, prev := p.cur[1:n], p.prev[1:]
	unfilter(p.cur[0], row, prev, p.bpp)
	p.prev, p.cur = p.cur, p.prev
	p.pending = row
}

// unfilter reverses one PNG filter in place.
func unfilter(typ byte, row, prev []byte, bpp int) {
	for i := range row {
		var left, up, upLeft byte
		if i >= bpp {
			left = row[i-bpp]
			upLeft = prev[i-bpp]
		}
		up = prev[i]
		switch typ {
		case 1:
			row[i] += left
		case 2:
			row[i] += up
		case 3:
			row[i] += byte((int(left) + int(up)) / 2)
		case 4:
			row[i] += paeth(left, up, upLeft)
		}
	}
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
