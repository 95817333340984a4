package esign

import (
	"context"
	"time"
)

// Store persists GSign's state. It decides nothing: business rules live in
// the Service. All access goes through transactions.
type Store interface {
	// InTx runs fn in a read-write transaction that commits when fn returns
	// nil and rolls back on error or panic. now is fixed for the whole
	// transaction. Implementations may retry fn on serialization failures, so
	// fn must have no side effects outside tx.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Tx is one transaction. Lookups of a missing row return an *Error of
// KindNotFound, never (nil, nil).
type Tx interface {
	// Now is the transaction's fixed time.
	Now() time.Time
	AccountTx
	OrgTx
	EnvelopeTx
	SigningTx
	AuditTx
	JobTx
	IdempotencyTx
	BrandingTx
	WebhookTx
	NotificationTx
	ScheduleTx
	OutboxStatsTx
	SignInTx
	SSOTx
	RecipientAuthTx
}

// JobCount is how many outbox jobs of a kind are in a status.
type JobCount struct {
	Kind   string
	Status JobStatus
	Count  int64
}

// OutboxStatsTx reports the outbox's depth, for metrics.
type OutboxStatsTx interface {
	// JobCounts counts the jobs that are pending, running or dead, by kind
	// and status (done jobs are not counted: there are ever more of them).
	JobCounts(ctx context.Context) ([]*JobCount, error)
}

// ScheduleTx finds the scheduler's due work through indexes, so that a pass
// reads only what is due, never every envelope.
type ScheduleTx interface {
	// DueReminders lists recipients whose NextReminderAt is at or before now,
	// earliest first, at most limit.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]*Recipient, error)
	// DueExpiryWarnings lists the ids of envelopes whose ExpiryWarningAt is
	// at or before now, earliest first, at most limit.
	DueExpiryWarnings(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// AccountTx persists organizations, users, tokens and API keys.
type AccountTx interface {
	CreateOrganization(ctx context.Context, o *Organization) error
	OrganizationByID(ctx context.Context, id string) (*Organization, error)
	// CreateUser fails with KindConflict/CodeEmailTaken if the email (case-insensitive) exists.
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByEmail matches case-insensitively.
	UserByEmail(ctx context.Context, email string) (*User, error)
	CreateAuthToken(ctx context.Context, t *AuthToken) error
	AuthTokenByHash(ctx context.Context, hash string) (*AuthToken, error)
	// RevokeAuthToken sets revoked_at if it is unset and reports whether it did,
	// so that two concurrent refreshes cannot both rotate the same token.
	RevokeAuthToken(ctx context.Context, hash string, at time.Time) (bool, error)
	// RevokeTokenFamily revokes every unrevoked token of the family, and
	// the family's session.
	RevokeTokenFamily(ctx context.Context, familyID string, at time.Time) error
	CreateAPIKey(ctx context.Context, k *APIKey) error
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// AuthTokenCredential and APIKeyCredential return the auth token or
	// API key (revoked or not) with the hash, its user and the user's
	// teams, in one read; NotFound if there is no such token or key.
	AuthTokenCredential(ctx context.Context, hash string) (*Credential, error)
	APIKeyCredential(ctx context.Context, hash string) (*Credential, error)
}

// EnvelopeFilter selects envelopes for listing, newest first.
type EnvelopeFilter struct {
	OrgID  string // required unless AllOrgs
	Status EnvelopeStatus
	// Cursor: return envelopes strictly older than (CreatedAt, ID) in the
	// order created_at DESC, id DESC. Zero means from the newest.
	BeforeCreatedAt time.Time
	BeforeID        string
	Limit           int
	AllOrgs         bool // for fsck and schedulers
	// ExpiresBefore, when set, keeps only sent/delivered envelopes whose
	// expires_at is at or before it.
	ExpiresBefore *time.Time
	// Search, when set, keeps envelopes whose name or subject contains it;
	// ASCII letters match regardless of case.
	Search string
	// Scope, when set, keeps only the envelopes a caller sees (an empty
	// scope keeps none); nil keeps the whole organization, for internal
	// work. Every listing for a caller sets it.
	Scope *EnvelopeScope
}

// EnvelopeTx persists envelopes and what they contain.
type EnvelopeTx interface {
	CreateEnvelope(ctx context.Context, e *Envelope) error
	// EnvelopeByID returns the envelope whatever its organization; the
	// Service checks ownership.
	EnvelopeByID(ctx context.Context, id string) (*Envelope, error)
	// LockEnvelope is EnvelopeByID that also locks the row until the
	// transaction ends (SELECT … FOR UPDATE where the engine has it), so all
	// changes to one envelope, and its audit chain, are serialized.
	LockEnvelope(ctx context.Context, id string) (*Envelope, error)
	// UpdateEnvelope writes every mutable column of e.
	UpdateEnvelope(ctx context.Context, e *Envelope) error
	ListEnvelopes(ctx context.Context, f EnvelopeFilter) ([]*Envelope, error)

	CreateDocument(ctx context.Context, d *Document) error
	UpdateDocument(ctx context.Context, d *Document) error
	// DeleteDocument deletes a document row; its fields must be gone first.
	DeleteDocument(ctx context.Context, id string) error
	// DocumentsByEnvelope returns documents ordered by Position.
	DocumentsByEnvelope(ctx context.Context, envelopeID string) ([]*Document, error)

	CreateRecipient(ctx context.Context, r *Recipient) error
	UpdateRecipient(ctx context.Context, r *Recipient) error
	// DeleteRecipient deletes a recipient row; its fields must be gone first.
	DeleteRecipient(ctx context.Context, id string) error
	// RecipientsByEnvelope returns recipients ordered by routing order, then creation.
	RecipientsByEnvelope(ctx context.Context, envelopeID string) ([]*Recipient, error)

	CreateField(ctx context.Context, f *Field) error
	UpdateField(ctx context.Context, f *Field) error
	// DeleteField deletes a field row.
	DeleteField(ctx context.Context, id string) error
	// FieldsByEnvelope returns fields ordered by creation.
	FieldsByEnvelope(ctx context.Context, envelopeID string) ([]*Field, error)
	// EnvelopeContents is DocumentsByEnvelope, RecipientsByEnvelope and
	// FieldsByEnvelope in one read, which costs one round trip on
	// PostgreSQL where the three cost three.
	EnvelopeContents(ctx context.Context, envelopeID string) (*EnvelopeContents, error)
	// EnvelopeRecord reads the envelope and all EnvelopeRecord holds of it
	// in one read: one round trip on PostgreSQL, where EnvelopeByID,
	// EnvelopeContents, SignaturesByEnvelope, AuditEvents, UserByID and
	// OrganizationByID cost six. NotFound if there is no such envelope.
	EnvelopeRecord(ctx context.Context, envelopeID string) (*EnvelopeRecord, error)
	// EnvelopeMailing reads the envelope and all EnvelopeMailing holds of
	// it in one read: one round trip on PostgreSQL, where EnvelopeByID,
	// UserByID, BrandingByOrg and ResultFiles cost four. With lock, the
	// envelope is locked as by LockEnvelope, and what is read besides it
	// is as it is once the lock is held. NotFound if there is no such
	// envelope.
	EnvelopeMailing(ctx context.Context, envelopeID string, lock bool) (*EnvelopeMailing, error)

	// SaveResultFile inserts r or replaces the envelope's file of r.Part.
	SaveResultFile(ctx context.Context, r *ResultFile) error
	// ResultFiles returns the envelope's result files.
	ResultFiles(ctx context.Context, envelopeID string) ([]*ResultFile, error)
}

// SigningTx persists signatures and recipient tokens.
type SigningTx interface {
	// CreateSignature appends a signature with its image in the same row;
	// there is no update or delete.
	CreateSignature(ctx context.Context, s *Signature) error
	// SignaturesByEnvelope returns the envelope's signatures with their
	// images, for the work that uses them (finalize, fsck).
	SignaturesByEnvelope(ctx context.Context, envelopeID string) ([]*Signature, error)
	CreateRecipientToken(ctx context.Context, t *RecipientToken) error
	RecipientTokenByHash(ctx context.Context, hash string) (*RecipientToken, error)
	// TokenContext returns the recipient token with the hash, its envelope,
	// the envelope's owner and its recipients (as RecipientsByEnvelope
	// lists them), and the envelope's documents and fields if read asks
	// for them, in one read (one round trip on PostgreSQL); with read.Lock,
	// the envelope is locked as by LockEnvelope, and what is read besides
	// the envelope is as it is once the lock is held.
	// NotFound if there is no such token.
	TokenContext(ctx context.Context, hash string, read TokenRead) (*TokenContext, error)
	// UseRecipientToken sets used_at of the token, which the caller read
	// unused with its envelope locked. A token used (or unknown) after all
	// fails the transaction with a conflict (code link_gone), reported by
	// this call or by a later statement or the commit: the write is
	// conditional, so a single-use token is used once however many
	// transactions race for it, and nothing waits for its answer.
	UseRecipientToken(ctx context.Context, hash string, at time.Time) error
}

// AuditTx persists audit events.
type AuditTx interface {
	// AppendAudit inserts e, at the latest when the transaction commits;
	// (envelope_id, seq) is unique, and a duplicate fails the transaction.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	// AuditEvents returns the envelope's events in stored (seq) order.
	AuditEvents(ctx context.Context, envelopeID string) ([]*AuditEvent, error)
}

// JobStatus is the state of an outbox job.
type JobStatus string

// Job statuses.
const (
	JobPending JobStatus = "pending"
	JobRunning JobStatus = "running"
	JobDone    JobStatus = "done"
	JobDead    JobStatus = "dead" // gave up after MaxAttempts
)

// Job is a durable unit of background work written in the same transaction
// as the change that needs it. ID is its idempotency key: enqueueing an ID
// that exists is a no-op.
type Job struct {
	ID          string
	Kind        string
	Payload     []byte // JSON
	Status      JobStatus
	RunAt       time.Time
	Attempts    int
	MaxAttempts int
	LockedBy    string
	LockedUntil *time.Time
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// next are the jobs the transaction that ended this one claimed for the
	// runner to run next (ClaimedNext). Only the copy FinishClaimedJob
	// returns carries them, and its caller keeps that copy only once the
	// transaction committed, so jobs claimed by an attempt that rolled
	// back never reach the runner.
	next []*Job
}

// JobClaim is what ClaimJobs claims, and for whom.
type JobClaim struct {
	Worker          string
	Now, LeaseUntil time.Time
	Limit           int      // at least 1
	SkipKinds       []string // kinds not to claim
}

// JobTx persists outbox jobs.
type JobTx interface {
	// EnqueueJob inserts j unless a job with its ID exists; it reports
	// whether it inserted.
	EnqueueJob(ctx context.Context, j *Job) (bool, error)
	// EnqueueJobLater is EnqueueJob for a caller that need not know
	// whether a job with j's ID existed: on PostgreSQL it goes with the
	// transaction's next statement, or its commit, instead of a round trip
	// of its own, and a failure fails that statement or the commit.
	EnqueueJobLater(ctx context.Context, j *Job) error
	// ClaimJobs leases up to c.Limit of the oldest runnable jobs (pending and
	// due, or running with an expired lease) to c.Worker until
	// c.LeaseUntil, incrementing their Attempts, and leaving out jobs of the
	// kinds in c.SkipKinds. It returns them oldest first, and an empty list
	// when none is runnable.
	ClaimJobs(ctx context.Context, c JobClaim) ([]*Job, error)
	// FinishJob records the outcome of a claimed job if worker still holds
	// the lease of that attempt (j.Attempts as claimed), so a worker whose
	// lease expired and was reclaimed cannot overwrite the new outcome. It
	// reports whether it did.
	FinishJob(ctx context.Context, j *Job, worker string) (bool, error)
	// SupersedeJobs marks done the jobs with the ids that are still pending
	// (not claimed: one already running finds out itself), because what
	// they would do no longer applies; it reports how many it marked.
	SupersedeJobs(ctx context.Context, ids []string, now time.Time) (int, error)
	JobByID(ctx context.Context, id string) (*Job, error)
	// JobsByStatus lists jobs with the status, oldest first, at most limit.
	JobsByStatus(ctx context.Context, status JobStatus, limit int) ([]*Job, error)

	// The rest serves a relay that hands jobs to a message queue, and the
	// workers that consume it. A job's published_at records when it was last
	// handed to the queue; the database stays the source of truth, and a
	// message only says which job to try now.

	// UnpublishedJobs lists the jobs a relay must publish, oldest run_at first,
	// at most limit: pending and due (run_at ≤ now) jobs never published, and,
	// as a safety net for messages the queue lost, jobs last published before
	// staleBefore that have been runnable since before it too (pending with
	// run_at ≤ staleBefore, or running with a lease that ran out by then).
	// Where the engine has row locks the rows stay locked until the
	// transaction ends, and rows another transaction holds are skipped, so two
	// relays do not publish the same job at once.
	UnpublishedJobs(ctx context.Context, now, staleBefore time.Time, limit int) ([]*Job, error)
	// MarkJobsPublished records that the jobs with the ids were published at at.
	MarkJobsPublished(ctx context.Context, ids []string, at time.Time) error
	// ClaimJobByID is ClaimJobs for the one job with the id: it leases the job if
	// it is runnable (pending and due, or running with an expired lease) and
	// fails with KindNotFound otherwise, that is when the job is unknown,
	// done, dead, not due, or leased by a worker whose lease still runs.
	ClaimJobByID(ctx context.Context, id, worker string, now, leaseUntil time.Time) (*Job, error)
	// ReplayJob makes a dead job pending again: due at now, with no attempts
	// and not published. KindNotFound if there is no such job, KindConflict
	// (CodeInvalidTransition) if it is not dead.
	ReplayJob(ctx context.Context, id string, now time.Time) error
}

// IdempotencyRecord remembers a mutating request made with an
// Idempotency-Key, and its response once it finished.
type IdempotencyRecord struct {
	Scope       string // who made it: the principal's key, so keys never collide across callers
	Key         string
	RequestHash string // SHA-256 of method, path and body
	Status      int    // 0 while in flight
	Header      []byte // JSON of the replayed headers
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	LockedUntil time.Time // an in-flight record older than this was abandoned by a crash
}

// IdempotencyTx persists idempotency records.
type IdempotencyTx interface {
	// CreateIdempotency inserts r; KindConflict if (scope, key) exists.
	CreateIdempotency(ctx context.Context, r *IdempotencyRecord) error
	IdempotencyByKey(ctx context.Context, scope, key string) (*IdempotencyRecord, error)
	// SaveIdempotency stores the response of an in-flight record.
	SaveIdempotency(ctx context.Context, r *IdempotencyRecord) error
	DeleteIdempotency(ctx context.Context, scope, key string) error
	// PurgeIdempotency deletes records that expired before t and reports how many.
	PurgeIdempotency(ctx context.Context, t time.Time) (int64, error)
}

// WebhookTx persists webhook endpoints, deliveries and their attempts.
type WebhookTx interface {
	CreateWebhookEndpoint(ctx context.Context, ep *WebhookEndpoint) error
	WebhookEndpointByID(ctx context.Context, id string) (*WebhookEndpoint, error)
	// WebhookEndpointsByOrg returns the organization's endpoints, oldest
	// first. Raising an event calls it, so it must be one indexed query.
	WebhookEndpointsByOrg(ctx context.Context, orgID string) ([]*WebhookEndpoint, error)
	// UpdateWebhookEndpoint writes every mutable column of ep.
	UpdateWebhookEndpoint(ctx context.Context, ep *WebhookEndpoint) error
	// DeleteWebhookEndpoint deletes the endpoint, its deliveries and their
	// attempts; KindNotFound if there is no such endpoint.
	DeleteWebhookEndpoint(ctx context.Context, id string) error

	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	WebhookDeliveryByID(ctx context.Context, id string) (*WebhookDelivery, error)
	// UpdateWebhookDelivery writes status, attempts, replays, next attempt
	// and updated_at.
	UpdateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// WebhookDeliveries lists an endpoint's deliveries, newest first
	// (created_at, id descending), without their attempts.
	WebhookDeliveries(ctx context.Context, f DeliveryFilter) ([]*WebhookDelivery, error)
	AddWebhookAttempt(ctx context.Context, a *WebhookAttempt) error
	// WebhookAttempts returns the attempts of the deliveries, oldest first.
	WebhookAttempts(ctx context.Context, deliveryIDs []string) ([]*WebhookAttempt, error)
}

// NotificationTx persists in-app notifications.
type NotificationTx interface {
	CreateNotification(ctx context.Context, n *Notification) error
	NotificationByID(ctx context.Context, id string) (*Notification, error)
	// ListNotifications returns f's notifications, newest first (created_at,
	// id descending).
	ListNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, error)
	// MarkNotificationsRead sets read_at of the user's unread notification
	// with the id, or of all of them when id is empty, and reports how many
	// it changed.
	MarkNotificationsRead(ctx context.Context, userID, id string, at time.Time) (int64, error)
}
