package sqldb

import (
	"context"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

// What TokenContext runs, written once. Without row locks: a recipient
// token joined with its envelope (and whether the envelope's organization
// has webhook endpoints, endpoint_hints.go), the envelope's owner and
// recipients.
// With them: the token's envelope with its owner, to lock, then the token
// joined with the recipients. And the envelope's documents and fields.
// Each finds its rows by the token's hash, so that no statement waits for
// another's answer and all of them go in one round trip on PostgreSQL.
var (
	tokenContextSQL = `SELECT ` + qualified("t", recipientTokenCols) + `, ` + qualified("e", envelopeCols) + `, ` +
		hasEndpointsCol("e") + `, ` + qualified("o", userCols) + `, ` + qualified("r", recipientCols) +
		` FROM recipient_tokens t JOIN envelopes e ON e.id = t.envelope_id JOIN users o ON o.id = e.owner_id` +
		` JOIN recipients r ON r.envelope_id = e.id WHERE t.hash = ? ORDER BY r.routing_order, r.created_seq, r.id`

	lockTokenEnvelopeSQL = `SELECT ` + qualified("e", envelopeCols) + `, ` + hasEndpointsCol("e") + `, ` + qualified("o", userCols) +
		` FROM envelopes e JOIN users o ON o.id = e.owner_id WHERE e.id = (SELECT envelope_id FROM recipient_tokens WHERE hash = ?)`
	tokenRecipientsSQL = `SELECT ` + qualified("t", recipientTokenCols) + `, ` + qualified("r", recipientCols) +
		` FROM recipient_tokens t JOIN recipients r ON r.envelope_id = t.envelope_id WHERE t.hash = ? ORDER BY r.routing_order, r.created_seq, r.id`
	tokenDocumentsSQL = ofTokenEnvelope(documentsSQL)
	tokenFieldsSQL    = ofTokenEnvelope(fieldsSQL)
)

// ofTokenEnvelope turns q, a listing of an envelope's rows by its id, into
// the listing of the envelope of the recipient token whose hash is its
// argument.
func ofTokenEnvelope(q string) string {
	const byID = `WHERE envelope_id = ?`
	if strings.Count(q, byID) != 1 {
		panic("sqldb: not a listing by envelope id: " + q)
	}
	return strings.Replace(q, byID, `WHERE envelope_id = (SELECT envelope_id FROM recipient_tokens WHERE hash = ?)`, 1)
}

// TokenContext returns the recipient token with the hash, its envelope,
// the envelope's owner and recipients (in RecipientsByEnvelope's order),
// and the documents and fields read asks for: every signing request starts
// with them. Without row locks (a read, or SQLite, where the write
// transaction is the lock) one statement reads the token, envelope, owner
// and recipients, a join with a row per recipient. With row locks
// (read.Lock on PostgreSQL) one statement locks the envelope and reads it
// with its owner, and the token and recipients come from a statement of
// their own after it: a locking join would give the envelope's newest row
// but the other tables' rows as they were before the wait for the lock,
// and a signer waiting on another who completes would not see that
// completion, nor one waiting to open an embedded URL that the other just
// used. The statements go in one batch all the same: PostgreSQL runs a
// batch's statements one after the other, each (READ COMMITTED) with a
// snapshot taken when it starts, so those after the locking one see what
// was committed before the lock was granted.
// NotFound if there is no such token, or nothing it refers to.
func (t *tx) TokenContext(ctx context.Context, hash string, read esign.TokenRead) (*esign.TokenContext, error) {
	c := &esign.TokenContext{}
	var hasEndpoints bool
	envelope := func(d *destinations) {
		c.Envelope, _ = scanEnvelope(d)
		_ = d.Scan(&hasEndpoints)
		c.Owner, _ = scanUser(d)
	}
	recipient := func(d *destinations) func() {
		r, _ := scanRecipient(d)
		return func() { c.Recipients = append(c.Recipients, r) }
	}
	var found, envelopeFound bool
	var reads []batchRead
	if read.Lock && t.lockRows() != "" {
		reads = append(reads, joinedRead(&envelopeFound, "envelope", lockTokenEnvelopeSQL+t.lockRowsOf("e"), hash, envelope, noTail),
			joinedRead(&found, "recipient token", tokenRecipientsSQL, hash, func(d *destinations) {
				c.Token, _ = scanRecipientToken(d)
			}, recipient))
	} else {
		envelopeFound = true
		reads = append(reads, joinedRead(&found, "recipient token", tokenContextSQL, hash, func(d *destinations) {
			c.Token, _ = scanRecipientToken(d)
			envelope(d)
		}, recipient))
	}
	if read.Documents {
		reads = append(reads, readInto(&c.Documents, "documents", scanDocument, tokenDocumentsSQL, hash))
	}
	if read.Fields {
		reads = append(reads, readInto(&c.Fields, "fields", scanField, tokenFieldsSQL, hash))
	}
	err := t.readEach(ctx, reads...)
	if err == nil && !(found && envelopeFound) {
		err = esign.NotFound("recipient token")
	}
	if err != nil {
		return nil, err
	}
	t.noteEndpoints(c.Envelope.OrgID, hasEndpoints)
	return c, nil
}

// joinedRead is the batchRead of a join read as joinedRows reads it, of
// the one argument hash; *found reports whether it read a row.
func joinedRead(found *bool, what, q, hash string, head func(d *destinations), row func(d *destinations) func()) batchRead {
	return batchRead{q: q, args: []any{hash}, read: func(rs rows) (err error) {
		*found, err = scanJoined(rs, what, head, row)
		return err
	}}
}

// lockRowsOf is lockRows for a join: it locks only the rows of the table
// named alias.
func (t *tx) lockRowsOf(alias string) string {
	if l := t.lockRows(); l != "" {
		return l + " OF " + alias
	}
	return ""
}
