package esign

import (
	"context"
	"time"
)

// resultLink decides how a completed email delivers the results: attached
// when the combined PDF fits AttachMaxBytes, otherwise a link. The owner's
// link is the download route, which needs the owner's sign-in; a recipient
// has no account, so theirs carries a fresh token of its own that opens
// the results for ResultLinkTTL, and nothing else (the envelope is
// completed, so it signs nothing). files are e's result files.
func (s *Service) resultLink(ctx context.Context, tx Tx, e *Envelope, r *Recipient, v *mailView, files []*ResultFile) error {
	for _, f := range files {
		if f.Part != PartCombined || s.attachable(f) {
			continue
		}
		if r == nil {
			v.ResultLink = s.Config.PublicURL + "/api/v1/envelopes/" + e.ID + "/download?part=" + PartCombined
			return nil
		}
		v.ResultExpires = tx.Now().Add(s.Config.ResultLinkTTL)
		secret, err := s.mintToken(ctx, tx, r, TokenLink, &v.ResultExpires)
		if err != nil {
			return err
		}
		v.ResultLink = s.Config.PublicURL + "/api/v1/signing/" + secret + "/result"
	}
	return nil
}

// RecipientResult returns the combined sealed PDF of a completed envelope to
// one of its recipients by a link with an expiry that has not passed: the
// link of a completed email whose results were too large to attach, or a
// signing session. A signing link, which never expires, does not open the
// results, so an old email forwarded by mistake does not expose them.
func (s *Service) RecipientResult(ctx context.Context, raw string) (*DownloadResult, error) {
	return s.openResult(ctx, func(ctx context.Context, tx Tx) (*Envelope, error) {
		return resultEnvelope(ctx, tx, raw, s.now())
	}, PartCombined, "")
}

// resultEnvelope resolves a recipient's token to its envelope. An embedded
// signing URL does not qualify (it is single use, for signing), nor does a
// token without an expiry.
func resultEnvelope(ctx context.Context, tx Tx, raw string, now time.Time) (*Envelope, error) {
	if !SecretHasPrefix(raw, SecretRecipient) {
		return nil, errUnknownLink
	}
	t, err := tx.RecipientTokenByHash(ctx, HashSecret(raw))
	switch {
	case IsKind(err, KindNotFound) || (err == nil && (t.Kind == TokenEmbedded || t.ExpiresAt == nil)):
		return nil, errUnknownLink
	case err != nil:
		return nil, err
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return nil, errGone("this link has expired")
	}
	return tx.EnvelopeByID(ctx, t.EnvelopeID)
}
