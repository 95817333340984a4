package esign

import (
	"context"
	"io"
)

// renderCertificate renders the (unsealed) certificate of completion into a
// work file and returns its key. It reports the sealed hash of every
// document, so the documents are sealed first.
func (w *finalWork) renderCertificate(ctx context.Context) (string, error) {
	c, err := w.certificateData(ctx)
	if err != nil {
		return "", err
	}
	key := w.key("certificate.flat.pdf")
	err = w.scratch.write(ctx, key, func(out io.Writer) error {
		return w.s.Certificates.RenderCertificate(ctx, c, out)
	})
	return key, err
}

func (w *finalWork) certificateData(ctx context.Context) (*Certificate, error) {
	in, e := w.in, w.in.d.Envelope
	c := &Certificate{EnvelopeID: e.ID, EnvelopeName: e.Name, Status: string(e.Status),
		SenderName: in.owner.Name, SenderEmail: in.owner.Email, Organization: in.org.Name,
		CreatedAt: e.CreatedAt, SentAt: e.SentAt, CompletedAt: e.CompletedAt,
		AuditEvents: e.AuditSeq, AuditHeadHash: e.AuditHead, GeneratedAt: w.now}
	for _, doc := range in.d.Documents {
		c.Documents = append(c.Documents, CertificateDocument{Name: doc.Name, Pages: len(doc.Pages), OriginalSHA256: doc.SHA256, SealedSHA256: doc.ResultSHA256})
	}
	for _, r := range in.d.Recipients {
		png, err := w.firstSignature(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		c.Recipients = append(c.Recipients, CertificateRecipient{Name: r.Name, Email: r.Email, Role: string(r.Role),
			RoutingOrder: r.RoutingOrder, Status: string(r.Status), AuthMethod: r.AuthMethod, Authentication: recipientAuthText(r),
			IP: r.SignIP, UserAgent: r.SignUserAgent,
			SentAt: r.SentAt, ViewedAt: r.DeliveredAt, SignedAt: r.CompletedAt, DeclinedAt: r.DeclinedAt, SignaturePNG: png})
	}
	return c, nil
}

// recipientAuthText is how the recipient was authenticated when they
// finished; for one who did not, the method that was asked of them.
func recipientAuthText(r *Recipient) string {
	if r.AuthUsed != "" {
		return DescribeAuth(r.AuthUsed, r.AuthDetail)
	}
	return DescribeAuth(r.AuthMethod, "")
}

// firstSignature returns the recipient's first signature image, or nil.
func (w *finalWork) firstSignature(ctx context.Context, recipientID string) ([]byte, error) {
	for _, sig := range w.in.sigs {
		if sig.RecipientID == recipientID {
			return w.s.signatureImage(ctx, sig)
		}
	}
	return nil, nil
}
