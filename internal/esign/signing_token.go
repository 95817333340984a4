package esign

import (
	"context"
	"time"
)

// signingContext is what a recipient token resolves to inside a transaction.
type signingContext struct {
	Token      *RecipientToken
	Envelope   *Envelope
	Owner      *User // the envelope's
	Recipient  *Recipient
	Recipients []*Recipient
	// Documents and Fields are the envelope's, when the token was loaded
	// with them (TokenRead).
	Documents []*Document
	Fields    []*Field
	// auth is how the recipient authenticated, once requireAuth passed.
	auth *recipientAuth
}

func (c *signingContext) actor(ctx context.Context) Actor {
	m := MetaFrom(ctx)
	return Actor{Type: ActorRecipient, ID: c.Recipient.ID, Email: c.Recipient.Email, IP: m.IP, UserAgent: m.UserAgent}
}

var (
	errUnknownLink = Errorf(KindNotFound, CodeNotFound, "this signing link is not valid")
)

func errGone(msg string) error { return Errorf(KindGone, CodeLinkGone, "%s", msg) }

// resolveToken loads and locks what a recipient token refers to and checks
// that the link may still be used. It does not check whose turn it is.
func resolveToken(ctx context.Context, tx Tx, raw string) (*signingContext, error) {
	return loadToken(ctx, tx, raw, TokenRead{Lock: true})
}

// viewToken is resolveToken for read-only transactions: it does not lock.
func viewToken(ctx context.Context, tx Tx, raw string) (*signingContext, error) {
	return loadToken(ctx, tx, raw, TokenRead{})
}

// TokenContext is what a recipient token refers to, read at once: every
// signing request needs the token, its envelope and the recipients, and
// opening shows who sent the envelope.
type TokenContext struct {
	Token    *RecipientToken
	Envelope *Envelope
	// Owner is the envelope's owner, its sender.
	Owner      *User
	Recipients []*Recipient
	// Documents and Fields are the envelope's, as DocumentsByEnvelope and
	// FieldsByEnvelope list them, when TokenRead asked for them; nil
	// otherwise.
	Documents []*Document
	Fields    []*Field
}

// TokenRead is how Tx.TokenContext reads: whether it locks the envelope,
// and what of the envelope it reads besides the token, the envelope, its
// owner and recipients. A request that will need the documents or fields
// asks for them here rather than reading them after: on PostgreSQL they
// then come in the round trip that takes the envelope's lock instead of
// one each while others wait for that lock.
type TokenRead struct {
	// Lock locks the envelope as LockEnvelope does.
	Lock      bool
	Documents bool
	Fields    bool
}

// loadToken reads what the raw token refers to as read says, and checks
// that the link may still be used.
func loadToken(ctx context.Context, tx Tx, raw string, read TokenRead) (*signingContext, error) {
	if !SecretHasPrefix(raw, SecretRecipient) {
		return nil, errUnknownLink
	}
	tc, err := tx.TokenContext(ctx, HashSecret(raw), read)
	if IsKind(err, KindNotFound) {
		return nil, errUnknownLink
	}
	if err != nil {
		return nil, err
	}
	t := tc.Token
	c := &signingContext{Token: t, Envelope: tc.Envelope, Owner: tc.Owner, Recipients: tc.Recipients,
		Documents: tc.Documents, Fields: tc.Fields}
	for _, r := range c.Recipients {
		if r.ID == t.RecipientID {
			c.Recipient = r
		}
	}
	if c.Recipient == nil {
		return nil, errUnknownLink
	}
	return c, checkUsable(c, tx.Now())
}

// checkUsable answers 410 for links that can no longer be used.
func checkUsable(c *signingContext, now time.Time) error {
	e, r, t := c.Envelope, c.Recipient, c.Token
	switch {
	case e.Status == StatusCompleted:
		return errGone("this envelope is completed; the completed documents were emailed to you")
	case e.Status == StatusVoided:
		return errGone("the sender voided this envelope")
	case e.Status == StatusDeclined:
		return errGone("this envelope was declined")
	case e.Status == StatusExpired:
		return errExpired()
	case due(e, now):
		return &expiryDue{envelopeID: e.ID, gone: errExpired()}
	case e.ExpiresAt != nil && !now.Before(*e.ExpiresAt):
		return errExpired()
	case !e.Status.InProgress():
		return errUnknownLink
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return errGone("this signing link has expired")
	case t.Kind == TokenEmbedded && t.UsedAt != nil:
		return errGone("this signing URL was already used; ask the sender for a new one")
	case r.Status == RecipientDeclined:
		return errGone("you declined this envelope")
	case r.Status == RecipientCompleted && (r.Role == RoleSigner || r.Role == RoleApprover):
		return errGone("you have already finished this envelope")
	}
	return nil
}

func errExpired() error { return errGone("this envelope has expired") }

// checkTurn refuses a recipient whose routing group is not active yet. cc
// recipients and viewers who finished may still look at the envelope.
func checkTurn(c *signingContext) error {
	r := c.Recipient
	if r.Status != RecipientCreated && r.Done() && (r.Role == RoleCC || r.Role == RoleViewer) {
		return nil
	}
	if r.Status == RecipientCreated || !isTurn(r, c.Recipients) {
		return Errorf(KindConflict, CodeNotYourTurn, "it is not your turn yet: %s", groupSummary(c.Recipient, c.Recipients))
	}
	return nil
}

// requireSession refuses to act through an embedded URL that was not opened:
// opening it exchanges it for the session token that the recipient acts with.
func requireSession(c *signingContext) error {
	if c.Token.Kind == TokenEmbedded {
		return Errorf(KindConflict, CodeLinkGone, "open the signing URL first (GET /api/v1/signing/{token}) and continue with the session_token it returns")
	}
	return nil
}

// checkActing checks that the recipient may act now: its turn, a session,
// its authentication.
func checkActing(ctx context.Context, tx Tx, c *signingContext) error {
	if err := checkTurn(c); err != nil {
		return err
	}
	if err := requireSession(c); err != nil {
		return err
	}
	return requireAuth(ctx, tx, c)
}
