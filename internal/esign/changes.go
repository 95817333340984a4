package esign

import (
	"context"
	"slices"
	"sync"
)

// EnvelopeChanges tells the requests of this process that wait for an
// envelope to change (GET /api/v1/envelopes/{id} with Prefer: wait) that it
// did, so that a sender learns of a signature or of the sealed result at
// once instead of polling. It only knows of the commits of this process:
// waiters also look again now and then for those of other processes.
// Publishing with nobody waiting costs a map lookup under a mutex.
type EnvelopeChanges struct {
	mu       sync.Mutex
	watchers map[string]map[*EnvelopeWatch]struct{}
	closed   bool
	done     chan struct{}
}

// NewEnvelopeChanges returns a hub with no watchers.
func NewEnvelopeChanges() *EnvelopeChanges {
	return &EnvelopeChanges{watchers: map[string]map[*EnvelopeWatch]struct{}{}, done: make(chan struct{})}
}

// EnvelopeWatch is one waiter's interest in one envelope. Stop it when done.
type EnvelopeWatch struct {
	hub *EnvelopeChanges
	id  string
	ch  chan struct{}
}

// Watch starts watching the envelope id. Changes published before Watch
// returns are not seen, so a waiter watches first and reads second.
func (c *EnvelopeChanges) Watch(id string) *EnvelopeWatch {
	w := &EnvelopeWatch{hub: c, id: id, ch: make(chan struct{}, 1)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return w // Closed() is closed already: the waiter answers at once
	}
	set := c.watchers[id]
	if set == nil {
		set = map[*EnvelopeWatch]struct{}{}
		c.watchers[id] = set
	}
	set[w] = struct{}{}
	return w
}

// Changed receives after the envelope changed. Changes that come while
// the waiter is busy collapse into one: the waiter reads the envelope anew
// anyway.
func (w *EnvelopeWatch) Changed() <-chan struct{} { return w.ch }

// Closed is closed once the hub is: the process is shutting down and the
// waiter should answer now.
func (w *EnvelopeWatch) Closed() <-chan struct{} { return w.hub.done }

// Stop ends the watch; it may be called more than once.
func (w *EnvelopeWatch) Stop() {
	c := w.hub
	c.mu.Lock()
	defer c.mu.Unlock()
	if set := c.watchers[w.id]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(c.watchers, w.id)
		}
	}
}

// Publish tells the watchers of the envelopes ids that they changed.
func (c *EnvelopeChanges) Publish(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		for w := range c.watchers[id] {
			select {
			case w.ch <- struct{}{}:
			default: // one is pending already
			}
		}
	}
}

// Watchers counts the watches that have not stopped.
func (c *EnvelopeChanges) Watchers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, set := range c.watchers {
		n += len(set)
	}
	return n
}

// Close wakes every waiter for good, on shutdown: the HTTP server waits
// for requests in flight, and a waiter would otherwise hold it up to its
// whole wait. Later watches are closed from the start.
func (c *EnvelopeChanges) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
}

// NotifyChanges returns store, publishing to changes, after each of its
// transactions commits, the envelopes the transaction wrote. Every change
// a sender sees in an envelope passes through here: each audited change
// rewrites the envelope row (appendAudit stores the chain's new head),
// and the unaudited ones write the envelope (result_status failed) or a
// recipient (reminder bookkeeping). Transactions that fail publish nothing.
func NotifyChanges(store Store, changes *EnvelopeChanges) Store {
	return &notifyingStore{Store: store, changes: changes}
}

type notifyingStore struct {
	Store
	changes *EnvelopeChanges
}

// InTx runs fn with a Tx that notes the envelopes it writes; only the
// attempt that committed counts, should the store run fn more than once.
func (s *notifyingStore) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	var touched []string
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t := &touchingTx{Tx: tx}
		err := fn(ctx, t)
		touched = t.ids
		return err
	})
	if err == nil && len(touched) > 0 {
		s.changes.Publish(touched...)
	}
	return err
}

// touchingTx notes the envelopes whose row, or a recipient's, it writes.
type touchingTx struct {
	Tx
	ids []string
}

func (t *touchingTx) touch(id string) {
	if !slices.Contains(t.ids, id) {
		t.ids = append(t.ids, id)
	}
}

// KnownWebhookEndpoints passes on what the wrapped transaction knows
// (EndpointHints): without it, every transaction through NotifyChanges (that
// is, every one a server runs) would look the endpoints up again.
func (t *touchingTx) KnownWebhookEndpoints(orgID string) (has, known bool) {
	if h, ok := t.Tx.(EndpointHints); ok {
		return h.KnownWebhookEndpoints(orgID)
	}
	return false, false
}

// UpdateEnvelope notes e, then writes it.
func (t *touchingTx) UpdateEnvelope(ctx context.Context, e *Envelope) error {
	t.touch(e.ID)
	return t.Tx.UpdateEnvelope(ctx, e)
}

// UpdateRecipient notes r's envelope, then writes r.
func (t *touchingTx) UpdateRecipient(ctx context.Context, r *Recipient) error {
	t.touch(r.EnvelopeID)
	return t.Tx.UpdateRecipient(ctx, r)
}
