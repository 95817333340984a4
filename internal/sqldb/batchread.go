package sqldb

import (
	"context"

	"github.com/gsign/gsign/internal/esign"
)

// batchRead is one of several queries that do not depend on one another,
// and what reads its rows (statements.readEach): on PostgreSQL they go in
// one round trip instead of one each.
type batchRead struct {
	q    string
	args []any
	read func(rows) error
}

// readEach runs reads' queries, after the deferred writes that must
// precede them.
func (t *tx) readEach(ctx context.Context, reads ...batchRead) error {
	for i := range reads {
		if err := t.before(ctx, reads[i].q); err != nil {
			return err
		}
		t.counters.statement(reads[i].q)
		reads[i].q = t.d.rebind(reads[i].q)
	}
	return t.stmts.readEach(ctx, reads)
}

// readClosing hands rs to read, then closes rs; it returns read's error,
// or else Close's.
func readClosing(rs rows, read func(rows) error) error {
	err := read(rs)
	if cerr := rs.Close(); err == nil {
		err = cerr
	}
	return err
}

// readInto is the batchRead of q that keeps its rows, scanned, in *dst.
func readInto[T any](dst *[]*T, what string, scan func(rowScanner) (*T, error), q string, args ...any) batchRead {
	return batchRead{q: q, args: args, read: func(rs rows) (err error) {
		*dst, err = readAll(rs, what, scan)
		return err
	}}
}

// EnvelopeContents returns the envelope's documents, recipients and fields,
// each in the order DocumentsByEnvelope, RecipientsByEnvelope and
// FieldsByEnvelope give, read together.
func (t *tx) EnvelopeContents(ctx context.Context, envelopeID string) (*esign.EnvelopeContents, error) {
	c := &esign.EnvelopeContents{}
	err := t.readEach(ctx,
		readInto(&c.Documents, "documents", scanDocument, documentsSQL, envelopeID),
		readInto(&c.Recipients, "recipients", scanRecipient, recipientsSQL, envelopeID),
		readInto(&c.Fields, "fields", scanField, fieldsSQL, envelopeID))
	if err != nil {
		return nil, err
	}
	return c, nil
}
