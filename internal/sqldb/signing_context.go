package sqldb

import (
	"context"

	"github.com/gsign/gsign/internal/esign"
)

// What TokenContext runs, written once: a recipient token joined with its
// envelope (and whether the envelope's organization has webhook endpoints,
// endpoint_hints.go) and the envelope's owner, and that joined with the
// recipients.
var (
	tokenJoinCols = qualified("t", recipientTokenCols) + `, ` + qualified("e", envelopeCols) + `, ` + hasEndpointsCol("e") +
		`, ` + qualified("o", userCols)
	tokenJoinFrom = ` FROM recipient_tokens t JOIN envelopes e ON e.id = t.envelope_id JOIN users o ON o.id = e.owner_id`

	tokenEnvelopeSQL = `SELECT ` + tokenJoinCols + tokenJoinFrom + ` WHERE t.hash = ?`
	tokenContextSQL  = `SELECT ` + tokenJoinCols + `, ` + qualified("r", recipientCols) + tokenJoinFrom +
		` JOIN recipients r ON r.envelope_id = e.id WHERE t.hash = ? ORDER BY r.routing_order, r.created_seq, r.id`
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
	c := &esign.TokenContext{}
	var hasEndpoints bool
	head := func(d *destinations) {
		c.Token, _ = scanRecipientToken(d)
		c.Envelope, _ = scanEnvelope(d)
		_ = d.Scan(&hasEndpoints)
		c.Owner, _ = scanUser(d)
	}
	if lock && t.lockRows() != "" {
		found, err := t.joinedRows(ctx, "recipient token", tokenEnvelopeSQL+t.lockRowsOf("e"), []any{hash}, head, noTail)
		if err == nil && !found {
			err = esign.NotFound("recipient token")
		}
		if err != nil {
			return nil, err
		}
		t.noteEndpoints(c.Envelope.OrgID, hasEndpoints)
		c.Recipients, err = t.RecipientsByEnvelope(ctx, c.Envelope.ID)
		return c, err
	}
	found, err := t.joinedRows(ctx, "recipient token", tokenContextSQL, []any{hash}, head, func(d *destinations) func() {
		r, _ := scanRecipient(d)
		return func() { c.Recipients = append(c.Recipients, r) }
	})
	if err == nil && !found {
		err = esign.NotFound("recipient token")
	}
	if err == nil {
		t.noteEndpoints(c.Envelope.OrgID, hasEndpoints)
	}
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
