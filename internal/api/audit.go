package api

import (
	"net/http"

	"github.com/gsign/gsign/internal/esign"
)

type actorResponse struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Email     string `json:"email"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

// auditEventResponse is one event. occurred_at has the exact form the hash
// covers, so that anyone can recompute the chain from this response.
type auditEventResponse struct {
	Seq          int64             `json:"seq"`
	Type         string            `json:"type"`
	Actor        actorResponse     `json:"actor"`
	OccurredAt   string            `json:"occurred_at"`
	Data         map[string]string `json:"data"`
	PreviousHash string            `json:"previous_hash"`
	Hash         string            `json:"hash"`
	Version      int               `json:"version"`
}

func newAuditEvent(e *esign.AuditEvent) auditEventResponse {
	data := e.Data
	if data == nil {
		data = map[string]string{}
	}
	a := e.Actor
	return auditEventResponse{
		Seq: e.Seq, Type: e.Type, OccurredAt: e.OccurredAt.UTC().Format(esign.AuditTimeFormat), Data: data,
		Actor:        actorResponse{Type: string(a.Type), ID: a.ID, Email: a.Email, IP: a.IP, UserAgent: a.UserAgent},
		PreviousHash: e.PreviousHash, Hash: e.Hash, Version: e.Version,
	}
}

type chainProblemResponse struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

type auditResponse struct {
	EnvelopeID string                `json:"envelope_id"`
	Verified   bool                  `json:"verified"`
	Problem    *chainProblemResponse `json:"problem,omitempty"`
	Events     []auditEventResponse  `json:"events"`
}

func (a *api) audit(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rep, err := a.svc.Audit(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	resp := auditResponse{EnvelopeID: id, Verified: rep.Verified, Events: mapSlice(rep.Events, newAuditEvent)}
	if p := rep.Problem; p != nil {
		resp.Problem = &chainProblemResponse{Seq: p.Seq, Reason: p.Reason}
	}
	return writeJSON(w, http.StatusOK, resp)
}
