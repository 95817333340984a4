package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Waiting for an envelope to change. GET /api/v1/envelopes/{id} answers
// with an ETag; a request whose If-None-Match names the current one gets
// 304 Not Modified, and with RFC 7240 "Prefer: wait=N" it is first held
// until the envelope changes (200 with the new body) or N seconds pass
// (304), so a sender learns of each signature and of the sealed result at
// once instead of polling. The waiting request holds no database
// connection: the Service's store tells esign.EnvelopeChanges of each
// commit of this process, and the request reads the envelope again every
// WaitRecheck for the commits of other processes.
const (
	// MaxWait caps Prefer: wait; Preference-Applied says what was applied.
	MaxWait = 60 * time.Second
	// DefaultMaxWaiters bounds the requests of one process that wait at
	// once (a goroutine and a connection each); beyond it they answer at
	// once, without Preference-Applied.
	DefaultMaxWaiters = 1000
	// DefaultWaitRecheck is how often a waiting request reads its envelope
	// again, for changes that other processes commit.
	DefaultWaitRecheck = time.Second
	// waitWriteSlack is the time left to write the answer once the wait
	// ends: the write deadline is moved past the wait, so the server's
	// WriteTimeout cannot cut a wait short whatever it is set to.
	waitWriteSlack = 30 * time.Second
)

// taggedBody is an encoded response body and its entity tag.
type taggedBody struct {
	body []byte
	etag string
}

// tagged encodes v as writeJSON does. The tag is a hash of the bytes, so
// it changes whenever anything in the response does (a recipient's status,
// result_status, a field's value) and never otherwise; it is strong: equal
// tags mean equal bytes.
func tagged(v any) (*taggedBody, error) {
	body, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &taggedBody{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}, nil
}

// conditions are a GET's If-None-Match and Prefer: wait.
type conditions struct {
	tags []string // opaque tags with their quotes, W/ dropped (If-None-Match compares weakly)
	star bool     // If-None-Match: *
	wait time.Duration
}

func conditionsOf(r *http.Request) conditions {
	c := conditions{wait: preferredWait(r.Header)}
	c.tags, c.star = entityTags(r.Header.Values("If-None-Match"))
	return c
}

func (c conditions) match(etag string) bool { return c.star || slices.Contains(c.tags, etag) }

// waits: a wait needs a tag to wait on; "*" would match whatever comes.
func (c conditions) waits() bool { return c.wait > 0 && len(c.tags) > 0 && !c.star }

// entityTags parses If-None-Match: "*" or a list of entity tags, weak or
// not. A malformed list yields the tags before the fault, which at worst
// turns a conditional request into a plain one.
func entityTags(values []string) (tags []string, star bool) {
	for _, v := range values {
		s := strings.TrimSpace(v)
		if s == "*" {
			return nil, true
		}
		for s != "" {
			s = strings.TrimPrefix(s, "W/")
			end := strings.IndexByte(s[min(1, len(s)):], '"') + 1
			if !strings.HasPrefix(s, `"`) || end == 0 {
				break
			}
			tags = append(tags, s[:end+1])
			s = strings.TrimLeft(s[end+1:], " \t,")
		}
	}
	return tags, false
}

// preferredWait reads RFC 7240 "Prefer: wait=N" (seconds), capped at
// MaxWait. Preferences the server does not know, and a malformed wait, are
// ignored, as the RFC asks; only the first wait counts.
func preferredWait(h http.Header) time.Duration {
	for _, v := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(v, ",") {
			pref, _, _ = strings.Cut(pref, ";") // parameters: none defined for wait
			name, val, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "wait") {
				continue
			}
			n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(val), `"`))
			if err != nil || n < 0 {
				return 0
			}
			return min(time.Duration(n)*time.Second, MaxWait)
		}
	}
	return 0
}

// serveWaiting answers a GET of the envelope id with load's response, its
// ETag and the conditions above.
func (a *api) serveWaiting(w http.ResponseWriter, r *http.Request, id string, load func() (any, error)) error {
	cond := conditionsOf(r)
	wt := a.startWaiting(id, cond) // before reading, so no change slips in between
	defer wt.stop()
	cur, err := loadTagged(load)
	if err != nil {
		return err
	}
	applied := false
	if wt != nil && cond.match(cur.etag) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(cond.wait + waitWriteSlack))
		if cur, applied, err = a.await(r, wt, cond, cur, load); err != nil {
			if r.Context().Err() != nil {
				return nil // the client went away: nobody to answer
			}
			return err
		}
	}
	h := w.Header()
	h.Set("ETag", cur.etag)
	if applied {
		h.Set("Preference-Applied", "wait="+strconv.Itoa(int(cond.wait/time.Second)))
	}
	if cond.match(cur.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, jsonContentType, cur.body)
	return nil
}

func loadTagged(load func() (any, error)) (*taggedBody, error) {
	v, err := load()
	if err != nil {
		return nil, err
	}
	return tagged(v)
}

// await holds the request while the envelope still matches cond: until a
// change (told by the hub, or seen on a recheck), the end of the wait, or
// shutdown. It reports whether the wait was applied: not when shutdown
// cut it short.
func (a *api) await(r *http.Request, wt *waiter, cond conditions, cur *taggedBody, load func() (any, error)) (*taggedBody, bool, error) {
	timeout := time.NewTimer(cond.wait)
	defer timeout.Stop()
	recheck := time.NewTicker(a.cfg.WaitRecheck)
	defer recheck.Stop()
	for cond.match(cur.etag) {
		select {
		case <-r.Context().Done():
			return nil, false, r.Context().Err()
		case <-wt.closed():
			return cur, false, nil
		case <-timeout.C:
			return cur, true, nil
		case <-wt.changed():
		case <-recheck.C:
		}
		next, err := loadTagged(load)
		if err != nil {
			return nil, false, err
		}
		cur = next
	}
	return cur, true, nil
}

// waiter is a request's place among MaxWaiters and its watch of the
// envelope. A nil *waiter waits for nothing.
type waiter struct {
	a     *api
	watch *esign.EnvelopeWatch // nil without Config.Changes
}

// startWaiting takes a place for a request that asks to wait, if one is
// free.
func (a *api) startWaiting(id string, cond conditions) *waiter {
	if !cond.waits() {
		return nil
	}
	if a.waiting.Add(1) > int64(a.cfg.MaxWaiters) {
		a.waiting.Add(-1)
		return nil
	}
	wt := &waiter{a: a}
	if a.cfg.Changes != nil {
		wt.watch = a.cfg.Changes.Watch(id)
	}
	return wt
}

func (wt *waiter) stop() {
	if wt == nil {
		return
	}
	if wt.watch != nil {
		wt.watch.Stop()
	}
	wt.a.waiting.Add(-1)
}

// changed and closed are nil channels, which never receive, without a hub.
func (wt *waiter) changed() <-chan struct{} {
	if wt.watch == nil {
		return nil
	}
	return wt.watch.Changed()
}

func (wt *waiter) closed() <-chan struct{} {
	if wt.watch == nil {
		return nil
	}
	return wt.watch.Closed()
}
