package sqldb

import (
	"slices"

	"github.com/gsign/gsign/internal/esign"
)

// Every audited change raises its events in its own transaction, and raising
// an event looks up the organization's webhook endpoints; most organizations
// have none, and on PostgreSQL the lookup is a round trip of its own. So
// every read of an envelope row reads along whether its organization has
// any endpoint (hasEndpointsCol), an index probe of webhook_endpoints_org_id,
// and the transaction keeps what it learnt (esign.EndpointHints): the
// domain skips the lookup when it knows there is nothing to find. It is
// kept on the transaction rather than on the envelope so that it can never
// outlive the transaction that read it.

// orgEndpoints is what a transaction knows, from its own reads, of an
// organization's webhook endpoints: whether it has any and, once the
// transaction has read them (listed), the endpoints.
type orgEndpoints struct {
	has    bool
	listed bool
	eps    []*esign.WebhookEndpoint
}

// hasEndpointsCol is the column that tells, in a read of the envelope rows
// of table (a name or an alias), whether the envelope's organization has
// any webhook endpoint. It is only ever read: never in an INSERT or UPDATE.
func hasEndpointsCol(table string) string {
	return `EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.org_id = ` + table + `.org_id)`
}

// envelopeReadCols is what every unjoined read of envelope rows selects:
// envelopeCols, then hasEndpointsCol (scanEnvelopeRead).
var envelopeReadCols = envelopeCols + `, ` + hasEndpointsCol("envelopes")

// scanEnvelopeRead scans envelopeReadCols, and keeps whether the envelope's
// organization has endpoints.
func (t *tx) scanEnvelopeRead(s rowScanner) (*esign.Envelope, error) {
	var has bool
	e, err := scanEnvelope(alsoScan{s, []any{&has}})
	if err != nil {
		return nil, err
	}
	t.noteEndpoints(e.OrgID, has)
	return e, nil
}

// alsoScan is a rowScanner whose rows have the columns of a table's scan
// function and then some more, which it scans into extra.
type alsoScan struct {
	rowScanner
	extra []any
}

// Scan scans the row into dest and then extra.
func (a alsoScan) Scan(dest ...any) error {
	return a.rowScanner.Scan(append(dest, a.extra...)...)
}

// KnownWebhookEndpoints implements esign.EndpointHints: whether the
// organization has endpoints as of the transaction's latest read of one of
// its envelopes or of its endpoints.
func (t *tx) KnownWebhookEndpoints(orgID string) (has, known bool) {
	k, ok := t.endpoints[orgID]
	return k.has, ok
}

var _ esign.EndpointHints = (*tx)(nil)

// noteEndpoints keeps what a read of an envelope told of its organization's
// endpoints. It replaces what the transaction knew, the endpoints it read
// included: the newer read wins.
func (t *tx) noteEndpoints(orgID string, has bool) {
	if t.endpoints == nil {
		t.endpoints = map[string]orgEndpoints{}
	}
	t.endpoints[orgID] = orgEndpoints{has: has}
}

// noteListed keeps the organization's endpoints as the transaction read
// them, so that raising several events in one transaction reads them once.
func (t *tx) noteListed(orgID string, eps []*esign.WebhookEndpoint) {
	if t.endpoints == nil {
		t.endpoints = map[string]orgEndpoints{}
	}
	t.endpoints[orgID] = orgEndpoints{has: len(eps) > 0, listed: true, eps: cloneEndpoints(eps)}
}

// listedEndpoints returns the organization's endpoints if the transaction
// read them and has not written endpoints since, as copies the caller may
// change.
func (t *tx) listedEndpoints(orgID string) ([]*esign.WebhookEndpoint, bool) {
	k, ok := t.endpoints[orgID]
	if !ok || !k.listed {
		return nil, false
	}
	return cloneEndpoints(k.eps), true
}

// forgetEndpoints drops all the transaction knows of endpoints: it wrote
// some.
func (t *tx) forgetEndpoints() { t.endpoints = nil }

// cloneEndpoints copies eps deeply enough that changing a copy changes
// nothing kept.
func cloneEndpoints(eps []*esign.WebhookEndpoint) []*esign.WebhookEndpoint {
	out := make([]*esign.WebhookEndpoint, len(eps))
	for i, ep := range eps {
		c := *ep
		c.Events = slices.Clone(ep.Events)
		if ep.PrevSecretUntil != nil {
			until := *ep.PrevSecretUntil
			c.PrevSecretUntil = &until
		}
		out[i] = &c
	}
	return out
}
