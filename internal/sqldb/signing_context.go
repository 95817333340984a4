package sqldb

import (
	"context"

	"github.com/gsign/gsign/internal/esign"
)

// The columns and tables of a recipient token joined with its envelope and
// the envelope's owner.
var (
	tokenEnvelopeCols = qualified("t", recipientTokenCols) + `, ` + qualified("e", envelopeCols) + `, ` + qualified("o", userCols)
	tokenEnvelopeFrom = ` FROM recipient_tokens t JOIN envelopes e ON e.id = t.envelope_id JOIN users o ON o.id = e.owner_id`
)

// TokenContext returns the recipient token with the hash, its envelope, the
// envelope's owner and recipients (in RecipientsByEnvelope's order): every
// signing request starts with them. Without row locks (a read, or SQLite,
// where the write transaction is the lock) one statement reads them all,
// a join with a row per recipient. With row locks (lock on PostgreSQL) the
// recipients are read after the envelope's lock is held, as before: a
// locking join would give the envelope's newest row but the recipients as
// they were before the wait for the lock, and a signer waiting on another
// who completes would not see that completion.
// NotFound if there is no such token, or nothing it refers to.
func (t *tx) TokenContext(ctx context.Context, hash string, lock bool) (*esign.TokenContext, error) {
	if lock && t.lockRows() != "" {
		return t.lockedTokenContext(ctx, hash)
	}
	c := &esign.TokenContext{}
	q := `SELECT ` + tokenEnvelopeCols + `, ` + qualified("r", recipientCols) + tokenEnvelopeFrom +
		` JOIN recipients r ON r.envelope_id = e.id WHERE t.hash = ? ORDER BY r.routing_order, r.created_seq, r.id`
	err := t.joinedRows(ctx, "recipient token", q, []any{hash}, func(d *destinations) func() {
		tok, _ := scanRecipientToken(d)
		e, _ := scanEnvelope(d)
		o, _ := scanUser(d)
		r, _ := scanRecipient(d)
		return func() { c.Token, c.Envelope, c.Owner, c.Recipients = tok, e, o, append(c.Recipients, r) }
	})
	if err == nil && c.Token == nil {
		err = esign.NotFound("recipient token")
	}
	return c, err
}

// lockedTokenContext is TokenContext that locks the envelope first, as
// LockEnvelope does, and then reads its recipients.
func (t *tx) lockedTokenContext(ctx context.Context, hash string) (*esign.TokenContext, error) {
	c := &esign.TokenContext{}
	err := t.joinedRows(ctx, "recipient token", `SELECT `+tokenEnvelopeCols+tokenEnvelopeFrom+` WHERE t.hash = ?`+t.lockRowsOf("e"), []any{hash},
		func(d *destinations) func() {
			tok, _ := scanRecipientToken(d)
			e, _ := scanEnvelope(d)
			o, _ := scanUser(d)
			return func() { c.Token, c.Envelope, c.Owner = tok, e, o }
		})
	if err == nil && c.Token == nil {
		err = esign.NotFound("recipient token")
	}
	if err != nil {
		return nil, err
	}
	c.Recipients, err = t.RecipientsByEnvelope(ctx, c.Envelope.ID)
	return c, err
}

// lockRowsOf is lockRows for a join: it locks only the rows of the table
// named alias.
func (t *tx) lockRowsOf(alias string) string {
	if l := t.lockRows(); l != "" {
		return l + " OF " + alias
	}
	return ""
}
