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
	if err := t.readEach(ctx, contentsReads(c, envelopeID)...); err != nil {
		return nil, err
	}
	return c, nil
}

// contentsReads are the batchReads of the envelope's documents, recipients
// and fields into c.
func contentsReads(c *esign.EnvelopeContents, envelopeID string) []batchRead {
	return []batchRead{
		readInto(&c.Documents, "documents", scanDocument, documentsSQL, envelopeID),
		readInto(&c.Recipients, "recipients", scanRecipient, recipientsSQL, envelopeID),
		readInto(&c.Fields, "fields", scanField, fieldsSQL, envelopeID),
	}
}

// The reads of EnvelopeRecord and EnvelopeMailing that have no method of
// their own: the envelope's owner, organization and branding, found through
// the envelope so that they can be read together with it.
const (
	envelopeOwnerSQL = `SELECT ` + userCols + ` FROM users WHERE id = (SELECT owner_id FROM envelopes WHERE id = ?)`
	envelopeOrgSQL   = `SELECT ` + orgCols + ` FROM organizations WHERE id = (SELECT org_id FROM envelopes WHERE id = ?)`
	// envelopeBrandingSQL is the branding of the envelope's organization.
	envelopeBrandingSQL = `SELECT ` + brandingCols + ` FROM org_branding WHERE org_id = (SELECT org_id FROM envelopes WHERE id = ?)`
)

// envelopeOwner reads an envelope and its owner in a batch of reads.
type envelopeOwner struct {
	envelopes []*esign.Envelope
	owners    []*esign.User
}

// reads are the batchReads of the envelope with the id and of its owner;
// with lock, the envelope's is LockEnvelope's, and comes first, so that
// the reads after it see what was committed before the lock was granted
// (TokenContext).
func (o *envelopeOwner) reads(t *tx, envelopeID string, lock bool) []batchRead {
	q := envelopeByIDSQL
	if lock {
		q += t.lockRows()
	}
	return []batchRead{
		readInto(&o.envelopes, "envelope", t.scanEnvelopeRead, q, envelopeID),
		readInto(&o.owners, "user", scanUser, envelopeOwnerSQL, envelopeID),
	}
}

// found returns the envelope and its owner, once read; NotFound when
// either is missing.
func (o *envelopeOwner) found() (*esign.Envelope, *esign.User, error) {
	switch {
	case len(o.envelopes) == 0:
		return nil, nil, esign.NotFound("envelope")
	case len(o.owners) == 0:
		return nil, nil, esign.NotFound("user")
	}
	return o.envelopes[0], o.owners[0], nil
}

// EnvelopeMailing returns the envelope (locked with lock), its owner, its
// organization's branding (nil if none) and its result files, read
// together.
func (t *tx) EnvelopeMailing(ctx context.Context, envelopeID string, lock bool) (*esign.EnvelopeMailing, error) {
	m := &esign.EnvelopeMailing{}
	var eo envelopeOwner
	var brands []*esign.Branding
	err := t.readEach(ctx, append(eo.reads(t, envelopeID, lock),
		readInto(&brands, "branding", scanBranding, envelopeBrandingSQL, envelopeID),
		readInto(&m.Results, "result file", scanResultFile, resultFilesSQL, envelopeID))...)
	if err != nil {
		return nil, err
	}
	if m.Envelope, m.Owner, err = eo.found(); err != nil {
		return nil, err
	}
	if len(brands) > 0 {
		m.Branding = brands[0]
	}
	return m, nil
}

// EnvelopeRecord returns the envelope, its contents, signatures and audit
// trail, its owner and its organization, read together.
func (t *tx) EnvelopeRecord(ctx context.Context, envelopeID string) (*esign.EnvelopeRecord, error) {
	r := &esign.EnvelopeRecord{}
	var eo envelopeOwner
	var orgs []*esign.Organization
	reads := append(eo.reads(t, envelopeID, false), contentsReads(&r.EnvelopeContents, envelopeID)...)
	err := t.readEach(ctx, append(reads,
		readInto(&r.Signatures, "signatures", scanSignature, signaturesSQL, envelopeID),
		readInto(&r.Audit, "audit events", scanAudit, auditEventsSQL, envelopeID),
		readInto(&orgs, "organization", scanOrg, envelopeOrgSQL, envelopeID))...)
	if err != nil {
		return nil, err
	}
	if r.Envelope, r.Owner, err = eo.found(); err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, esign.NotFound("organization")
	}
	r.Org = orgs[0]
	return r, nil
}
