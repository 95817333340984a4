package esign

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditEncodingVersion is the version of the canonical encoding new events are
// hashed with. Old events keep the version they were written with; changing
// how a version encodes would break every envelope already sealed with it.
const AuditEncodingVersion = 1

// GenesisHash is the previous_hash of an envelope's first audit event.
var GenesisHash = strings.Repeat("0", 64)

// Audit event types.
const (
	AuditCreated           = "created"
	AuditDocumentAdded     = "document_added"
	AuditRecipientAdded    = "recipient_added"
	AuditFieldAdded        = "field_added"
	AuditSent              = "sent"
	AuditNotified          = "notified"
	AuditSigningURLCreated = "signing_url_created"
	AuditViewed            = "viewed"
	AuditFieldFilled       = "field_filled"
	AuditSigned            = "signed"
	AuditApproved          = "approved"
	AuditDeclined          = "declined"
	AuditVoided            = "voided"
	AuditExpired           = "expired"
	AuditCompleted         = "completed"
	AuditResultReady       = "result_ready"
	AuditRecipientUpdated  = "recipient_updated"
	AuditRecipientRemoved  = "recipient_removed"
	AuditFieldUpdated      = "field_updated"
	AuditFieldRemoved      = "field_removed"
	AuditDocumentRemoved   = "document_removed"
	AuditResent            = "resent"
)

// ActorType says who caused an audit event.
type ActorType string

// Actor types.
const (
	ActorUser      ActorType = "user"
	ActorAPIKey    ActorType = "api_key"
	ActorRecipient ActorType = "recipient"
	ActorSystem    ActorType = "system"
)

// Actor identifies who did something, from where.
type Actor struct {
	Type      ActorType
	ID        string
	Email     string
	IP        string
	UserAgent string
}

// AuditEvent is one link of an envelope's hash chain.
type AuditEvent struct {
	EnvelopeID   string
	Seq          int64
	Version      int
	Type         string
	Actor        Actor
	OccurredAt   time.Time
	Data         map[string]string
	PreviousHash string
	Hash         string
}

// CanonicalEncoding returns the bytes the event's hash is computed over.
//
// Version 1 is the RFC 8785 (JCS) serialization of this JSON object, which has
// only string and integer values, so any JCS library can reproduce it:
//
//	{"actor":{"email":…,"id":…,"ip":…,"type":…,"user_agent":…},"data":{…},
//	 "envelope_id":…,"occurred_at":"2006-01-02T15:04:05.000000Z",
//	 "previous_hash":…,"seq":N,"type":…,"v":1}
//
// The hash is the lowercase hex SHA-256 of these bytes.
func (e *AuditEvent) CanonicalEncoding() ([]byte, error) {
	if e.Version != 1 {
		return nil, fmt.Errorf("audit event %s#%d: unknown encoding version %d", e.EnvelopeID, e.Seq, e.Version)
	}
	var b strings.Builder
	b.WriteString(`{"actor":{"email":`)
	jcsString(&b, e.Actor.Email)
	b.WriteString(`,"id":`)
	jcsString(&b, e.Actor.ID)
	b.WriteString(`,"ip":`)
	jcsString(&b, e.Actor.IP)
	b.WriteString(`,"type":`)
	jcsString(&b, string(e.Actor.Type))
	b.WriteString(`,"user_agent":`)
	jcsString(&b, e.Actor.UserAgent)
	b.WriteString(`},"data":`)
	jcsStringMap(&b, e.Data)
	b.WriteString(`,"envelope_id":`)
	jcsString(&b, e.EnvelopeID)
	b.WriteString(`,"occurred_at":`)
	jcsString(&b, e.OccurredAt.UTC().Format(AuditTimeFormat))
	b.WriteString(`,"previous_hash":`)
	jcsString(&b, e.PreviousHash)
	b.WriteString(`,"seq":`)
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteString(`,"type":`)
	jcsString(&b, e.Type)
	b.WriteString(`,"v":1}`)
	return []byte(b.String()), nil
}

// AuditTimeFormat is how times appear in the canonical encoding.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// ComputeHash returns the hash the event should carry.
func (e *AuditEvent) ComputeHash() (string, error) {
	enc, err := e.CanonicalEncoding()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(enc)
	return hex.EncodeToString(sum[:]), nil
}

// jcsStringMap writes m as a JCS object. RFC 8785 sorts keys by their UTF-16
// code units; for the ASCII keys GSign writes that equals byte order, and
// non-ASCII keys are sorted by UTF-16 too so the encoding stays JCS.
func jcsStringMap(b *strings.Builder, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return utf16Less(keys[i], keys[j]) })
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		jcsString(b, k)
		b.WriteByte(':')
		jcsString(b, m[k])
	}
	b.WriteByte('}')
}

func utf16Less(a, b string) bool {
	ua, ub := toUTF16(a), toUTF16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func toUTF16(s string) []uint16 {
	out := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// jcsString writes s as a JSON string the way RFC 8785 requires: only ", \
// and control characters are escaped, with the short forms where JSON has them.
func jcsString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[r>>4])
				b.WriteByte(hexDigits[r&0xF])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// CleanText makes s valid UTF-8 (invalid bytes become U+FFFD) so that what is
// stored is exactly what was hashed.
func CleanText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// ChainProblem describes the first inconsistency found in an audit chain.
type ChainProblem struct {
	Seq    int64  // sequence number of the first bad event (or where one is missing)
	Reason string // human-readable
}

// VerifyChain checks an envelope's events, in stored order, against the chain
// rules and against the head (sequence and hash) recorded on the envelope. It
// returns nil when the chain is intact. The first bad event is reported.
func VerifyChain(envelopeID string, events []*AuditEvent, headSeq int64, headHash string) *ChainProblem {
	prev := GenesisHash
	for i, e := range events {
		want := int64(i + 1)
		if p := checkLink(envelopeID, e, want, prev); p != nil {
			return p
		}
		prev = e.Hash
	}
	n := int64(len(events))
	if headSeq != n {
		return &ChainProblem{Seq: n + 1, Reason: fmt.Sprintf("envelope records %d events but the chain has %d: events were deleted or added", headSeq, n)}
	}
	if n > 0 && headHash != prev {
		return &ChainProblem{Seq: n, Reason: "last event's hash does not match the head recorded on the envelope"}
	}
	return nil
}

func checkLink(envelopeID string, e *AuditEvent, want int64, prev string) *ChainProblem {
	switch {
	case e.EnvelopeID != envelopeID:
		return &ChainProblem{Seq: want, Reason: fmt.Sprintf("event %d belongs to envelope %s", e.Seq, e.EnvelopeID)}
	case e.Seq != want:
		return &ChainProblem{Seq: want, Reason: fmt.Sprintf("expected event %d, found event %d: events are missing or out of order", want, e.Seq)}
	case e.PreviousHash != prev:
		return &ChainProblem{Seq: want, Reason: "previous_hash does not match the hash of the event before it"}
	}
	h, err := e.ComputeHash()
	if err != nil {
		return &ChainProblem{Seq: want, Reason: err.Error()}
	}
	if h != e.Hash {
		return &ChainProblem{Seq: want, Reason: "hash does not match the event's contents: the event was altered"}
	}
	return nil
}
