package esign

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// IDVCallbackSkew is how far a callback's timestamp may be from now.
const IDVCallbackSkew = 5 * time.Minute

// IDVStart is an identity verification begun: where to send the recipient,
// and the proof that becomes valid once the provider reports a pass.
type IDVStart struct {
	RedirectURL string
	Proof       string
	ExpiresAt   time.Time
}

// idvState is what the signed state names: the challenge and recipient.
type idvState struct {
	ChallengeID string `json:"c"`
	RecipientID string `json:"r"`
	Expires     int64  `json:"exp"`
}

// IDVResult is the provider's callback body (docs/recipient-auth.md).
type IDVResult struct {
	State     string `json:"state"`
	Outcome   string `json:"outcome"` // passed or failed
	Reference string `json:"reference"`
	Method    string `json:"method"` // e.g. kba, id_document
}

// StartIDV begins an identity verification for the token's recipient: a
// challenge, a pending proof bound to the token, and the provider's URL
// with a signed state naming the recipient.
func (s *Service) StartIDV(ctx context.Context, raw string) (*IDVStart, error) {
	var out *IDVStart
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		c, err := authContext(ctx, tx, raw)
		if err != nil {
			return err
		}
		r := c.Recipient
		if r.AuthMethod != AuthIDV {
			return Errorf(KindConflict, CodeUnsupportedAuth, "your authentication is %s, not idv", r.AuthMethod)
		}
		if err := s.checkIDVConfigured(r); err != nil {
			return err
		}
		ch, err := s.newChallenge(ctx, tx, c)
		if err != nil {
			return err
		}
		ch.ExpiresAt = ch.CreatedAt.Add(IDVStateTTL)
		if err := tx.CreateAuthChallenge(ctx, ch); err != nil {
			return err
		}
		secret, hash := NewSecret(SecretAuthProof)
		p := &AuthProof{Hash: hash, EnvelopeID: c.Envelope.ID, RecipientID: r.ID, TokenHash: c.Token.Hash, Method: AuthIDV,
			ChallengeID: ch.ID, ExpiresAt: ch.CreatedAt.Add(AuthProofTTL), CreatedAt: ch.CreatedAt}
		if err := tx.CreateAuthProof(ctx, p); err != nil {
			return err
		}
		out = &IDVStart{RedirectURL: s.idvURL(ch, raw), Proof: secret, ExpiresAt: p.ExpiresAt}
		return appendAudit(ctx, tx, c.Envelope, AuditIDVStarted, c.actor(ctx), map[string]string{"recipient_id": r.ID, "challenge_id": ch.ID})
	})
	return out, err
}

// idvURL is the provider's page with the signed state and where to send
// the recipient back to.
func (s *Service) idvURL(ch *AuthChallenge, raw string) string {
	st, _ := json.Marshal(idvState{ChallengeID: ch.ID, RecipientID: ch.RecipientID, Expires: ch.ExpiresAt.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(st)
	state := payload + "." + base64.RawURLEncoding.EncodeToString(s.idvMAC([]byte(payload)))
	q := url.Values{"state": {state}, "return_url": {strings.TrimRight(s.Config.PublicURL, "/") + "/s/" + raw}}
	sep := "?"
	if strings.Contains(s.Config.IDVURL, "?") {
		sep = "&"
	}
	return s.Config.IDVURL + sep + q.Encode()
}

func (s *Service) idvMAC(b []byte) []byte {
	m := hmac.New(sha256.New, s.Config.IDVSecret)
	m.Write(b)
	return m.Sum(nil)
}

// SignIDVCallback returns the X-GSign-IDV-Signature a provider sends with
// body at time t: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">".
func SignIDVCallback(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

func errIDVCallback(msg string) error {
	return Errorf(KindUnauthorized, CodeIDVCallbackInvalid, "%s", msg)
}

// IDVCallback takes the provider's signed result. A forged, stale, expired
// or replayed callback is refused with 401; a passed result verifies the
// proofs waiting for it. Both outcomes are audited with the reference.
func (s *Service) IDVCallback(ctx context.Context, body []byte, signature string) error {
	if s.Config.IDVURL == "" || len(s.Config.IDVSecret) == 0 {
		return Errorf(KindNotFound, CodeNotFound, "no identity verification provider is configured")
	}
	if err := s.checkCallbackSignature(body, signature); err != nil {
		return err
	}
	var res IDVResult
	if err := json.Unmarshal(body, &res); err != nil {
		return Errorf(KindBadRequest, CodeInvalidJSON, "the callback body is not JSON: %v", err)
	}
	if err := res.validate(); err != nil {
		return err
	}
	st, err := s.parseState(res.State)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		return s.applyIDVResult(ctx, tx, st, &res)
	})
}

// checkCallbackSignature checks the header's HMAC and that it is recent.
func (s *Service) checkCallbackSignature(body []byte, header string) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errIDVCallback("X-GSign-IDV-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>")
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > IDVCallbackSkew || d < -IDVCallbackSkew {
		return errIDVCallback("the callback's timestamp is too far from now")
	}
	want := SignIDVCallback(s.Config.IDVSecret, time.Unix(sec, 0), body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+strings.ToLower(sig))) {
		return errIDVCallback("the callback's signature does not match")
	}
	return nil
}

func (r *IDVResult) validate() error {
	switch {
	case r.Outcome != "passed" && r.Outcome != "failed":
		return Invalid("outcome", "must be passed or failed")
	case strings.TrimSpace(r.Reference) == "" || len(r.Reference) > 200:
		return Invalid("reference", "is required: the provider's reference, at most 200 bytes")
	case len(r.Method) > 50:
		return Invalid("method", "is too long (at most 50 bytes)")
	}
	return nil
}

// parseState checks the state's signature and expiry.
func (s *Service) parseState(state string) (*idvState, error) {
	payload, sig, ok := strings.Cut(state, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, s.idvMAC([]byte(payload))) {
		return nil, errIDVCallback("the state is not one GSign signed")
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var st idvState
	if err != nil || json.Unmarshal(raw, &st) != nil {
		return nil, errIDVCallback("the state is malformed")
	}
	if !s.now().Before(time.Unix(st.Expires, 0)) {
		return nil, errIDVCallback("the verification took too long; the recipient must start again")
	}
	return &st, nil
}

// applyIDVResult spends the challenge, once, and records the outcome.
func (s *Service) applyIDVResult(ctx context.Context, tx Tx, st *idvState, res *IDVResult) error {
	ch, err := tx.AuthChallengeByID(ctx, st.ChallengeID)
	if IsKind(err, KindNotFound) || (err == nil && (ch.RecipientID != st.RecipientID || ch.Method != AuthIDV)) {
		return errIDVCallback("the state names no verification")
	}
	if err != nil {
		return err
	}
	if ch.UsedAt != nil {
		return errIDVCallback("this verification already has its result")
	}
	e, err := tx.LockEnvelope(ctx, ch.EnvelopeID)
	if err != nil {
		return err
	}
	now := tx.Now()
	ch.UsedAt = &now
	if err := tx.UpdateAuthChallenge(ctx, ch); err != nil || !e.Status.InProgress() {
		return err // an ended envelope's sealed chain takes no more events
	}
	method := strings.TrimSpace(CleanText(res.Method))
	data := map[string]string{"recipient_id": ch.RecipientID, "method": AuthIDV, "challenge_id": ch.ID,
		"provider_method": method, "provider_reference": CleanText(res.Reference), "outcome": res.Outcome}
	actor := Actor{Type: ActorSystem, ID: "idv_provider"}
	if res.Outcome != "passed" {
		return appendAudit(ctx, tx, e, AuditAuthFailed, actor, data)
	}
	detail := strings.TrimPrefix(method+", reference "+CleanText(res.Reference), ", ")
	if _, err := tx.VerifyAuthProofs(ctx, ch.ID, detail, now); err != nil {
		return err
	}
	return appendAudit(ctx, tx, e, AuditAuthSucceeded, actor, data)
}
