package esign

import (
	"encoding/json"
	"fmt"
	"time"
)

// EvidenceVersion is the version of the evidence JSON format.
const EvidenceVersion = 1

// Evidence is everything needed to check a completed envelope without
// GSign: the documents' hashes, the field values, the recipients and the
// whole audit chain. It is embedded in every sealed PDF as an associated
// file and can be downloaded as part=evidence.
type Evidence struct {
	Format      string              `json:"format"`
	Version     int                 `json:"version"`
	GeneratedAt string              `json:"generated_at"`
	Envelope    evidenceEnvelope    `json:"envelope"`
	Documents   []evidenceDocument  `json:"documents"`
	Recipients  []evidenceRecipient `json:"recipients"`
	Fields      []evidenceField     `json:"fields"`
	Audit       evidenceAudit       `json:"audit"`
}

type evidenceEnvelope struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	OrganizationID string `json:"organization_id"`
	Status         string `json:"status"`
	CreatedAt      string `json:"created_at"`
	SentAt         string `json:"sent_at,omitempty"`
	CompletedAt    string `json:"completed_at,omitempty"`
}

type evidenceDocument struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Pages          int    `json:"pages"`
	Size           int64  `json:"size"`
	OriginalSHA256 string `json:"original_sha256"`
}

type evidenceRecipient struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	RoutingOrder int    `json:"routing_order"`
	Status       string `json:"status"`
	Auth         string `json:"auth"`
	// AuthUsed, AuthDetail and Authentication: how the recipient was
	// authenticated when they finished (docs/recipient-auth.md).
	AuthUsed       string `json:"auth_used,omitempty"`
	AuthDetail     string `json:"auth_detail,omitempty"`
	Authentication string `json:"authentication,omitempty"`
	IP             string `json:"ip,omitempty"`
	UserAgent      string `json:"user_agent,omitempty"`
	CompletedAt    string `json:"completed_at,omitempty"`
}

type evidenceField struct {
	ID              string  `json:"id"`
	DocumentID      string  `json:"document_id"`
	RecipientID     string  `json:"recipient_id"`
	Type            string  `json:"type"`
	Page            int     `json:"page"`
	X               float64 `json:"x"`
	Y               float64 `json:"y"`
	Width           float64 `json:"width"`
	Height          float64 `json:"height"`
	Value           string  `json:"value,omitempty"`
	SignatureID     string  `json:"signature_id,omitempty"`
	SignatureSHA256 string  `json:"signature_sha256,omitempty"`
	FilledAt        string  `json:"filled_at,omitempty"`
}

// evidenceAudit carries each event exactly as it was hashed, so a verifier
// can recompute the chain from this file alone (see docs/audit.md).
type evidenceAudit struct {
	Encoding string          `json:"encoding"`
	HeadSeq  int64           `json:"head_seq"`
	HeadHash string          `json:"head_hash"`
	Events   []EvidenceEvent `json:"events"`
}

// EvidenceEvent is one audit event in the evidence file.
type EvidenceEvent struct {
	Seq          int64             `json:"seq"`
	Version      int               `json:"v"`
	Type         string            `json:"type"`
	Actor        EvidenceActor     `json:"actor"`
	OccurredAt   string            `json:"occurred_at"`
	Data         map[string]string `json:"data"`
	PreviousHash string            `json:"previous_hash"`
	Hash         string            `json:"hash"`
}

// EvidenceActor is an audit event's actor in the evidence file.
type EvidenceActor struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Email     string `json:"email"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

func evTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(AuditTimeFormat)
}

// buildEvidence assembles the evidence of a completed envelope.
func buildEvidence(d *EnvelopeDetail, sigs []*Signature, events []*AuditEvent, now time.Time) *Evidence {
	e := d.Envelope
	ev := &Evidence{Format: "gsign-evidence", Version: EvidenceVersion, GeneratedAt: evTime(&now),
		Envelope: evidenceEnvelope{ID: e.ID, Name: e.Name, OrganizationID: e.OrgID, Status: string(e.Status),
			CreatedAt: evTime(&e.CreatedAt), SentAt: evTime(e.SentAt), CompletedAt: evTime(e.CompletedAt)},
		Documents: []evidenceDocument{}, Recipients: []evidenceRecipient{}, Fields: []evidenceField{},
		Audit: evidenceAudit{Encoding: "gsign-audit-v1 (RFC 8785 JCS; see docs/audit.md)", HeadSeq: e.AuditSeq, HeadHash: e.AuditHead, Events: []EvidenceEvent{}},
	}
	for _, doc := range d.Documents {
		ev.Documents = append(ev.Documents, evidenceDocument{ID: doc.ID, Name: doc.Name, Pages: len(doc.Pages), Size: doc.Size, OriginalSHA256: doc.SHA256})
	}
	for _, r := range d.Recipients {
		ev.Recipients = append(ev.Recipients, evidenceRecipient{ID: r.ID, Name: r.Name, Email: r.Email, Role: string(r.Role),
			RoutingOrder: r.RoutingOrder, Status: string(r.Status), Auth: r.AuthMethod,
			AuthUsed: r.AuthUsed, AuthDetail: r.AuthDetail, Authentication: authTextIfUsed(r), IP: r.SignIP, UserAgent: r.SignUserAgent, CompletedAt: evTime(r.CompletedAt)})
	}
	sigHash := map[string]string{}
	for _, s := range sigs {
		sigHash[s.ID] = s.SHA256
	}
	for _, f := range d.Fields {
		ev.Fields = append(ev.Fields, evidenceField{ID: f.ID, DocumentID: f.DocumentID, RecipientID: f.RecipientID, Type: string(f.Type),
			Page: f.Page, X: f.X, Y: f.Y, Width: f.Width, Height: f.Height, Value: f.Value,
			SignatureID: f.SignatureID, SignatureSHA256: sigHash[f.SignatureID], FilledAt: evTime(f.FilledAt)})
	}
	for _, a := range events {
		ev.Audit.Events = append(ev.Audit.Events, EvidenceEvent{Seq: a.Seq, Version: a.Version, Type: a.Type,
			Actor:      EvidenceActor{Type: string(a.Actor.Type), ID: a.Actor.ID, Email: a.Actor.Email, IP: a.Actor.IP, UserAgent: a.Actor.UserAgent},
			OccurredAt: a.OccurredAt.UTC().Format(AuditTimeFormat), Data: nonNil(a.Data), PreviousHash: a.PreviousHash, Hash: a.Hash})
	}
	return ev
}

// authTextIfUsed describes the authentication a recipient gave, if any.
func authTextIfUsed(r *Recipient) string {
	if r.AuthUsed == "" {
		return ""
	}
	return DescribeAuth(r.AuthUsed, r.AuthDetail)
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Encode returns the evidence as indented JSON.
func (ev *Evidence) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode evidence: %w", err)
	}
	return append(b, '\n'), nil
}

// ParseEvidence reads an evidence file.
func ParseEvidence(b []byte) (*Evidence, error) {
	var ev Evidence
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, Errorf(KindInvalid, CodeValidation, "evidence is not valid JSON: %v", err)
	}
	if ev.Format != "gsign-evidence" || ev.Version != EvidenceVersion {
		return nil, Errorf(KindInvalid, CodeValidation, "not a GSign evidence file of version %d", EvidenceVersion)
	}
	return &ev, nil
}

// VerifyEvidence recomputes the audit chain carried in the evidence and
// checks it against the head it records. It returns nil when intact.
func VerifyEvidence(ev *Evidence) *ChainProblem {
	events := make([]*AuditEvent, len(ev.Audit.Events))
	for i, x := range ev.Audit.Events {
		t, err := time.Parse(AuditTimeFormat, x.OccurredAt)
		if err != nil {
			return &ChainProblem{Seq: x.Seq, Reason: "occurred_at is not in the canonical format"}
		}
		events[i] = &AuditEvent{EnvelopeID: ev.Envelope.ID, Seq: x.Seq, Version: x.Version, Type: x.Type, OccurredAt: t,
			Actor: Actor{Type: ActorType(x.Actor.Type), ID: x.Actor.ID, Email: x.Actor.Email, IP: x.Actor.IP, UserAgent: x.Actor.UserAgent},
			Data:  x.Data, PreviousHash: x.PreviousHash, Hash: x.Hash}
	}
	return VerifyChain(ev.Envelope.ID, events, ev.Audit.HeadSeq, ev.Audit.HeadHash)
}
