package esign

import (
	"context"
	"io"
	"time"
)

// finalWork produces one envelope's outputs. Intermediate (unsealed) files
// are named under work/ and live in its scratch space until it is done.
type finalWork struct {
	s        *Service
	in       *finalInputs
	now      time.Time
	evidence []byte
	flat     []string // work keys of the flattened documents, in order
	// kept holds what a KeepingStamper kept of each flattened document,
	// in order, for a KeptMerger; empty when the Stamper or the Merger
	// cannot do that.
	kept []KeptPDF
	// certKept is what a KeepingCertificateRenderer kept of the
	// certificate for a KeptMerger; nil when it cannot do that.
	certKept KeptPDF
	files    []*ResultFile
	scratch  *scratchSpace
}

func (w *finalWork) key(name string) string {
	return "work/" + w.in.d.Envelope.ID + "/" + name
}

func (w *finalWork) resultKey(name string) string {
	return "results/" + w.in.d.Envelope.ID + "/" + name
}

func (w *finalWork) produce(ctx context.Context) error {
	ev := buildEvidence(w.in.d, w.in.sigs, w.in.events, w.now)
	var err error
	if w.evidence, err = ev.Encode(); err != nil {
		return err
	}
	for _, doc := range w.in.d.Documents {
		if err := w.sealDocument(ctx, doc); err != nil {
			return err
		}
	}
	certFlat, err := w.renderCertificateKept(ctx)
	if err != nil {
		return err
	}
	if err := w.seal(ctx, certFlat, w.resultKey("certificate.pdf"), PartCertificate, "certificate of completion"); err != nil {
		return err
	}
	if err := w.sealCombined(ctx, certFlat); err != nil {
		return err
	}
	return w.storeEvidence(ctx)
}

func (w *finalWork) embedded() []EmbeddedFile {
	return []EmbeddedFile{{Name: "evidence.json", Description: "GSign evidence: audit chain, document hashes and field values",
		MIMEType: "application/json", Relationship: "Supplement", Data: w.evidence, ModTime: w.now}}
}

// sealDocument flattens one document with the evidence embedded, then seals it.
func (w *finalWork) sealDocument(ctx context.Context, doc *Document) error {
	s := w.s
	stamps, err := s.stampsFor(ctx, doc, w.in.d.Fields, w.in.sigs)
	if err != nil {
		return err
	}
	flat := w.key(doc.ID + ".flat.pdf")
	if err := w.flatten(ctx, doc.BlobKey, flat, stamps); err != nil {
		return err
	}
	w.flat = append(w.flat, flat)
	key := w.resultKey(doc.ID + ".pdf")
	info, err := w.scratch.transform(ctx, flat, key, func(r io.ReadSeeker, out io.Writer) error {
		return s.Sealer.Seal(ctx, r, out, w.sealInfo(doc.Name))
	})
	if err != nil {
		return err
	}
	doc.ResultKey, doc.ResultSHA256, doc.ResultSize = key, info.SHA256, info.Size
	return nil
}

func (w *finalWork) sealInfo(what string) SealInfo {
	e := w.in.d.Envelope
	return SealInfo{Name: "GSign Seal", Reason: "Sealed by GSign on completion of envelope " + e.ID + " (" + what + ")",
		Location: w.s.Config.PublicURL, Time: w.now}
}

// seal seals the work file src into the result dst and records it as part.
func (w *finalWork) seal(ctx context.Context, src, dst, part, what string) error {
	info, err := w.scratch.transform(ctx, src, dst, func(r io.ReadSeeker, out io.Writer) error {
		return w.s.Sealer.Seal(ctx, r, out, w.sealInfo(what))
	})
	if err != nil {
		return err
	}
	w.files = append(w.files, &ResultFile{EnvelopeID: w.in.d.Envelope.ID, Part: part, BlobKey: dst, SHA256: info.SHA256, Size: info.Size})
	return nil
}

// sealCombined merges the flattened documents and the certificate, embeds
// the evidence and seals the result.
func (w *finalWork) sealCombined(ctx context.Context, certFlat string) error {
	withEvidence := w.key("combined.flat.pdf")
	parts := append(append([]string{}, w.flat...), certFlat)
	var err error
	switch m := w.s.Merger.(type) {
	case KeptMerger:
		err = w.mergeKept(ctx, m, parts, withEvidence)
	case EmbeddingMerger:
		err = w.merge(ctx, parts, withEvidence, func(srcs []io.ReadSeeker, out io.Writer) error {
			return m.MergeEmbedding(ctx, srcs, w.embedded(), out)
		})
	default:
		err = w.mergeThenEmbed(ctx, parts, withEvidence)
	}
	if err != nil {
		return err
	}
	return w.seal(ctx, withEvidence, w.resultKey("combined.pdf"), PartCombined, "combined documents and certificate")
}

// mergeKept merges parts, the flattened documents and the certificate,
// into dst with what was kept of them, which the merge uses up.
func (w *finalWork) mergeKept(ctx context.Context, m KeptMerger, parts []string, dst string) error {
	kept, cert := w.kept, w.certKept
	w.kept, w.certKept = nil, nil
	return w.merge(ctx, parts, dst, func(srcs []io.ReadSeeker, out io.Writer) error {
		mp := make([]MergePart, len(srcs))
		for i, src := range srcs {
			mp[i].Src = src
			if i < len(kept) {
				mp[i].Kept = kept[i]
			}
		}
		mp[len(mp)-1].Kept = cert
		return m.MergeKept(ctx, mp, w.embedded(), out)
	})
}

// renderCertificateKept renders the certificate like renderCertificate,
// keeping it when the renderer can and the Merger can use it.
func (w *finalWork) renderCertificateKept(ctx context.Context) (string, error) {
	kr, ok := w.s.Certificates.(KeepingCertificateRenderer)
	if _, merges := w.s.Merger.(KeptMerger); !ok || !merges {
		return w.renderCertificate(ctx)
	}
	c, err := w.certificateData(ctx)
	if err != nil {
		return "", err
	}
	key := w.key("certificate.flat.pdf")
	err = w.scratch.write(ctx, key, func(out io.Writer) error {
		var err error
		w.certKept, err = kr.RenderCertificateKept(ctx, c, out)
		return err
	})
	return key, err
}

// mergeThenEmbed merges parts into a work file, then embeds the evidence
// into dst, for a Merger that cannot do both at once.
func (w *finalWork) mergeThenEmbed(ctx context.Context, parts []string, dst string) error {
	s := w.s
	merged := w.key("combined.merged.pdf")
	err := w.merge(ctx, parts, merged, func(srcs []io.ReadSeeker, out io.Writer) error {
		return s.Merger.Merge(ctx, srcs, out)
	})
	if err != nil {
		return err
	}
	return w.stamp(ctx, merged, dst, nil)
}

// flatten stamps the original document src with stamps and the evidence
// into the work file dst, keeping the stamped document when the Stamper
// can and the Merger can use it.
func (w *finalWork) flatten(ctx context.Context, src, dst string, stamps []Stamp) error {
	ks, ok := w.s.Stamper.(KeepingStamper)
	if _, merges := w.s.Merger.(KeptMerger); !ok || !merges {
		return w.stamp(ctx, src, dst, stamps)
	}
	var kept KeptPDF
	err := w.stampWith(ctx, src, dst, func(f io.ReadSeeker, out io.Writer) error {
		var err error
		kept, err = ks.StampKept(ctx, f, stamps, w.embedded(), out)
		return err
	})
	if err != nil {
		return err
	}
	w.kept = append(w.kept, kept)
	return nil
}

// stamp stamps src (a work file, or the original document's blob) with
// stamps and the evidence into the work file dst.
func (w *finalWork) stamp(ctx context.Context, src, dst string, stamps []Stamp) error {
	return w.stampWith(ctx, src, dst, func(f io.ReadSeeker, out io.Writer) error {
		return w.s.Stamper.Stamp(ctx, f, stamps, w.embedded(), out)
	})
}

// stampWith writes what fn makes of src into the work file dst.
func (w *finalWork) stampWith(ctx context.Context, src, dst string, fn func(f io.ReadSeeker, out io.Writer) error) error {
	f, err := w.scratch.open(ctx, src)
	if err != nil {
		return err
	}
	defer f.Close()
	return w.scratch.write(ctx, dst, func(out io.Writer) error { return fn(f, out) })
}

// merge opens the work files parts and writes what fn makes of them into
// the work file dst.
func (w *finalWork) merge(ctx context.Context, parts []string, dst string, fn func(srcs []io.ReadSeeker, out io.Writer) error) error {
	return w.scratch.write(ctx, dst, func(out io.Writer) error {
		srcs, closeAll, err := w.openAll(ctx, parts)
		if err != nil {
			return err
		}
		defer closeAll()
		return fn(srcs, out)
	})
}

func (w *finalWork) openAll(ctx context.Context, keys []string) ([]io.ReadSeeker, func(), error) {
	var files []io.ReadSeekCloser
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	srcs := make([]io.ReadSeeker, 0, len(keys))
	for _, k := range keys {
		f, err := w.scratch.open(ctx, k)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		srcs = append(srcs, f)
	}
	return srcs, closeAll, nil
}

func (w *finalWork) storeEvidence(ctx context.Context) error {
	key := w.resultKey("evidence.json")
	info, err := w.s.writeBlob(ctx, key, func(out io.Writer) error {
		_, err := out.Write(w.evidence)
		return err
	})
	if err != nil {
		return err
	}
	w.files = append(w.files, &ResultFile{EnvelopeID: w.in.d.Envelope.ID, Part: PartEvidence, BlobKey: key, SHA256: info.SHA256, Size: info.Size})
	return nil
}

// cleanup drops the intermediate files.
func (w *finalWork) cleanup() {
	w.scratch.cleanup()
}
