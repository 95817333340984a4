package esign

import "time"

// Organization owns users, API keys and envelopes. Every query a caller makes
// is scoped to its organization.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// User is a sender: someone who logs in and creates envelopes.
type User struct {
	ID           string
	OrgID        string
	Email        string
	Name         string
	Role         string
	PasswordHash string
	CreatedAt    time.Time
	// RemovedAt is when the user was removed from the organization: they
	// can no longer sign in, and their envelopes stay with the organization.
	RemovedAt *time.Time
}

// Active reports whether the user may sign in.
func (u *User) Active() bool { return u.RemovedAt == nil }

// TokenKind distinguishes bearer tokens issued to users.
type TokenKind string

// Token kinds.
const (
	TokenAccess  TokenKind = "access"
	TokenRefresh TokenKind = "refresh"
)

// AuthToken is an opaque access or refresh token, stored only as its SHA-256.
// Refresh tokens rotate: each use revokes the token and issues a new one in
// the same family; presenting a revoked refresh token revokes the family.
type AuthToken struct {
	Hash      string
	Kind      TokenKind
	UserID    string
	OrgID     string
	FamilyID  string
	ExpiresAt time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// APIKey authenticates a program acting for a user; stored only as a hash.
type APIKey struct {
	ID         string
	OrgID      string
	UserID     string
	Name       string
	Prefix     string // the first characters of the key, shown in listings
	Hash       string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// EnvelopeStatus is the lifecycle state of an envelope.
type EnvelopeStatus string

// Envelope statuses.
const (
	StatusDraft     EnvelopeStatus = "draft"
	StatusSent      EnvelopeStatus = "sent"
	StatusDelivered EnvelopeStatus = "delivered"
	StatusCompleted EnvelopeStatus = "completed"
	StatusDeclined  EnvelopeStatus = "declined"
	StatusVoided    EnvelopeStatus = "voided"
	StatusExpired   EnvelopeStatus = "expired"
)

// ResultStatus tracks production of the output files after completion.
type ResultStatus string

// Result statuses.
const (
	ResultNone    ResultStatus = ""        // not completed yet
	ResultPending ResultStatus = "pending" // completed; the finalize job has not finished
	ResultReady   ResultStatus = "ready"
	ResultFailed  ResultStatus = "failed" // the job gave up; visible to the owner and fsck
)

// Envelope groups documents, recipients and fields sent for signature together.
type Envelope struct {
	ID      string
	OrgID   string
	OwnerID string
	// TeamID, when set, shares the envelope with the team's members.
	TeamID       string
	Name         string
	Subject      string
	Message      string
	Status       EnvelopeStatus
	ExpiresAt    *time.Time
	SentAt       *time.Time
	CompletedAt  *time.Time
	VoidedAt     *time.Time
	VoidReason   string
	DeclinedAt   *time.Time
	ExpiredAt    *time.Time
	ResultStatus ResultStatus
	ResultError  string
	AuditSeq     int64  // sequence number of the newest audit event
	AuditHead    string // hash of the newest audit event
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Reminders: the first goes ReminderDelay after a recipient was
	// notified, then one every ReminderFrequency (0: only one); a zero
	// ReminderDelay sends none. ExpiryWarning before ExpiresAt, everyone
	// still to act is warned once; ExpiryWarningAt is when, until it is done.
	ReminderDelay     time.Duration
	ReminderFrequency time.Duration
	ExpiryWarning     time.Duration
	ExpiryWarningAt   *time.Time
}

// Document is one PDF of an envelope. The original is immutable; the result is
// produced after completion.
type Document struct {
	ID           string
	EnvelopeID   string
	Name         string
	Position     int
	Pages        []PageInfo
	Size         int64
	SHA256       string
	BlobKey      string
	ResultKey    string
	ResultSHA256 string
	ResultSize   int64
	CreatedAt    time.Time
}

// RecipientRole says what a recipient must do.
type RecipientRole string

// Recipient roles.
const (
	RoleSigner   RecipientRole = "signer"   // fills and signs fields
	RoleApprover RecipientRole = "approver" // approves; no signature field
	RoleViewer   RecipientRole = "viewer"   // must open the envelope
	RoleCC       RecipientRole = "cc"       // receives copies; never blocks routing
)

// RecipientStatus is the lifecycle state of a recipient.
type RecipientStatus string

// Recipient statuses.
const (
	RecipientCreated   RecipientStatus = "created"
	RecipientSent      RecipientStatus = "sent"
	RecipientDelivered RecipientStatus = "delivered"
	RecipientCompleted RecipientStatus = "completed"
	RecipientDeclined  RecipientStatus = "declined"
)

// Recipient authentication methods. Holding the link is the baseline; the
// others ask for more before the documents are shown (docs/recipient-auth.md).
const (
	AuthNone       = "none"
	AuthAccessCode = "access_code" // a code the sender set and gave the recipient out of band
	AuthEmailOTP   = "email_otp"   // a one-time code emailed to the recipient
	AuthSMSOTP     = "sms_otp"     // a one-time code texted to the recipient's phone
	AuthIDV        = "idv"         // an identity verification provider (GSIGN_IDV_URL)
	// AuthSender is recorded, never chosen: the sender's application
	// authenticated the embedded signer itself.
	AuthSender = "sender_application"
)

// Recipient is a person the envelope is routed to.
type Recipient struct {
	ID           string
	EnvelopeID   string
	Name         string
	Email        string
	Role         RecipientRole
	RoutingOrder int
	Status       RecipientStatus
	AuthMethod   string
	// Embedded recipients sign inside the sender's own application, through
	// signing URLs the sender asks for: GSign emails them nothing.
	Embedded      bool
	SentAt        *time.Time
	DeliveredAt   *time.Time
	CompletedAt   *time.Time
	DeclinedAt    *time.Time
	DeclineReason string
	SignIP        string
	SignUserAgent string
	CreatedAt     time.Time
	// Phone, in E.164 form or empty, also gets sign requests and reminders by SMS.
	Phone string
	// NextReminderAt is when the scheduler reminds the recipient next (nil:
	// never); RemindersSent counts the reminders so far.
	NextReminderAt *time.Time
	RemindersSent  int
	// AccessCodeHash is the access code's password hash (AuthAccessCode);
	// the code itself is never stored.
	AccessCodeHash string
	// AuthFailures counts wrong access codes since the last lockout or
	// success; AuthLockouts counts lockouts, which grow each time, and
	// AuthLockedUntil is when the current one ends.
	AuthFailures    int
	AuthLockouts    int
	AuthLockedUntil *time.Time
	// AuthUsed and AuthDetail record how the recipient was authenticated
	// when they finished: the method, and the masked destination of a
	// one-time code or the provider's method and reference.
	AuthUsed   string
	AuthDetail string
}

// Done reports whether the recipient no longer blocks routing.
func (r *Recipient) Done() bool {
	return r.Status == RecipientCompleted || r.Status == RecipientDeclined
}

// FieldType is the kind of a field placed on a document.
type FieldType string

// Field types.
const (
	FieldSignature  FieldType = "signature"
	FieldInitials   FieldType = "initials"
	FieldDateSigned FieldType = "date_signed"
	FieldName       FieldType = "name"
	FieldEmail      FieldType = "email"
	FieldText       FieldType = "text"
	FieldCheckbox   FieldType = "checkbox"
)

// AutoFilled reports whether GSign fills the field itself when the recipient
// completes, from facts it knows (name, email, date).
func (t FieldType) AutoFilled() bool {
	return t == FieldDateSigned || t == FieldName || t == FieldEmail
}

// TakesSignature reports whether the field is filled with a signature image.
func (t FieldType) TakesSignature() bool { return t == FieldSignature || t == FieldInitials }

// Field is a place on a page that one recipient fills.
type Field struct {
	ID          string
	EnvelopeID  string
	DocumentID  string
	RecipientID string
	Type        FieldType
	Page        int
	X, Y        float64
	Width       float64
	Height      float64
	Required    bool
	Value       string
	SignatureID string
	FilledAt    *time.Time
	CreatedAt   time.Time
}

// Filled reports whether the field has a value.
func (f *Field) Filled() bool { return f.FilledAt != nil }

// SignatureKind says how a signature image was made.
type SignatureKind string

// Signature kinds.
const (
	SignatureDraw   SignatureKind = "draw"
	SignatureTyped  SignatureKind = "typed"
	SignatureUpload SignatureKind = "upload"
)

// Signature is a captured signature image. Signatures are never deleted.
type Signature struct {
	ID          string
	EnvelopeID  string
	RecipientID string
	FieldID     string
	Kind        SignatureKind
	Text        string
	Font        string // typed: the signature font's id; empty otherwise
	// Image is the PNG, stored in the signature's row. It is nil for
	// signatures captured before images moved into the database, whose
	// image is the blob BlobKey; new signatures have no BlobKey. Read it
	// with Service.signatureImage, which knows both.
	Image     []byte
	BlobKey   string
	SHA256    string
	IP        string
	UserAgent string
	CreatedAt time.Time
}

// ResultFile is an output produced for a whole envelope after completion:
// Part is PartCertificate, PartCombined or PartEvidence.
type ResultFile struct {
	EnvelopeID string
	Part       string
	BlobKey    string
	SHA256     string
	Size       int64
	CreatedAt  time.Time
}

// RecipientTokenKind distinguishes the bearer links a recipient may hold.
type RecipientTokenKind string

// Recipient token kinds.
const (
	TokenLink     RecipientTokenKind = "link"     // emailed; valid while the recipient can act
	TokenEmbedded RecipientTokenKind = "embedded" // embedded signing URL: single use, 5 minutes
	TokenSession  RecipientTokenKind = "session"  // minted when an embedded URL is opened
)

// RecipientToken binds a bearer secret (stored only as SHA-256) to one recipient.
type RecipientToken struct {
	Hash        string
	EnvelopeID  string
	RecipientID string
	Kind        RecipientTokenKind
	ExpiresAt   *time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
	// SenderAuth: the sender's application declared, when it asked for the
	// embedded URL, that it authenticated the signer itself.
	SenderAuth bool
}
