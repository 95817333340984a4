package esign

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the coarse class of an error; the transport maps each Kind to one
// HTTP status in a single table.
type Kind string

// Error kinds.
const (
	KindInvalid      Kind = "invalid"      // 422: the request is well-formed but cannot be applied
	KindBadRequest   Kind = "bad_request"  // 400: the request itself is malformed
	KindUnauthorized Kind = "unauthorized" // 401
	KindForbidden    Kind = "forbidden"    // 403
	KindNotFound     Kind = "not_found"    // 404 (also for other organizations' ids)
	KindConflict     Kind = "conflict"     // 409: the current state forbids it
	KindGone         Kind = "gone"         // 410: a link that can no longer be used
	KindTooLarge     Kind = "too_large"    // 413
	KindRateLimited  Kind = "rate_limited" // 429
	KindUnavailable  Kind = "unavailable"  // 503
	KindInternal     Kind = "internal"     // 500: details are logged, never shown
)

// Stable machine-readable error codes. Clients may switch on these; never
// rename one.
const (
	CodeInvalidJSON         = "invalid_json"
	CodeValidation          = "validation_failed"
	CodeInvalidPDF          = "invalid_pdf"
	CodePDFEncrypted        = "pdf_encrypted"
	CodePDFTruncated        = "pdf_truncated"
	CodeTooLarge            = "payload_too_large"
	CodeNotFound            = "not_found"
	CodeUnauthorized        = "unauthorized"
	CodeInvalidCredentials  = "invalid_credentials"
	CodeEmailTaken          = "email_taken"
	CodeAlreadyExists       = "already_exists"
	CodeNotDraft            = "envelope_not_draft"
	CodeIncomplete          = "envelope_incomplete"
	CodeInvalidTransition   = "invalid_transition"
	CodeNotYourTurn         = "not_your_turn"
	CodeFieldFilled         = "field_already_filled"
	CodeFieldAutoFilled     = "field_auto_filled"
	CodeMissingFields       = "missing_required_fields"
	CodeRecipientDone       = "recipient_finished"
	CodeLinkGone            = "link_gone"
	CodeNotCompleted        = "envelope_not_completed"
	CodeResultPending       = "result_pending"
	CodeIdempotencyMismatch = "idempotency_key_reused"
	CodeIdempotencyInFlight = "idempotency_key_in_flight"
	CodeInternal            = "internal_error"
	CodeRateLimited         = "rate_limited"
	CodeNotARecipientAction = "not_allowed_for_role"
	CodeUnsupportedAuth     = "unsupported_auth_method"
	// CodeForbiddenRole: the caller's role in its organization does not allow it.
	CodeForbiddenRole = "forbidden_role"
	// CodeInvalidImage: an upload that must be a PNG or JPEG image is not one.
	CodeInvalidImage  = "invalid_image"
	CodeURLNotAllowed = "url_not_allowed"
	// CodeDependencyUnavailable: a service GSign depends on (mail, SMS,
	// file storage, the timestamp authority) is failing and its circuit
	// breaker is open; try again after Retry-After.
	CodeDependencyUnavailable = "dependency_unavailable"
	// CodeLastOwner: the change would leave the organization without an owner.
	CodeLastOwner = "last_owner"
	// CodeAlreadyMember: the email belongs to an active member of the organization.
	CodeAlreadyMember = "already_member"
	// CodeInvitationPending: the email already has a pending invitation; resend it.
	CodeInvitationPending = "invitation_pending"
	// CodeInvitationGone: the invitation was accepted, revoked or has expired.
	CodeInvitationGone = "invitation_gone"
	// CodeRecipientAuthRequired: the recipient must authenticate (access
	// code, one-time code or identity verification) first; the problem's
	// details name the method and the masked destination.
	CodeRecipientAuthRequired = "recipient_auth_required"
	// CodeAuthCodeInvalid: the code is wrong, or there is no code to check.
	CodeAuthCodeInvalid = "auth_code_invalid"
	// CodeAuthCodeExpired: the one-time code expired or was burned by too
	// many attempts; send a new one.
	CodeAuthCodeExpired = "auth_code_expired"
	// CodeAuthLocked: too many wrong access codes; wait for Retry-After.
	CodeAuthLocked = "recipient_auth_locked"
	// CodeIDVCallbackInvalid: an identity verification callback whose
	// signature, state or time does not check out, or that was replayed.
	CodeIDVCallbackInvalid = "idv_callback_invalid"
)

// Error is GSign's one error type. Message is safe to show to the caller.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// Fields optionally names the offending input fields (validation errors).
	Fields map[string]string
	// RetryAfter, when set, is how long the caller should wait before
	// trying again (KindUnavailable, KindRateLimited): the Retry-After header.
	RetryAfter time.Duration
	// Details are extra facts a client may act on (the authentication a
	// recipient must give), shown as the problem's "details" member.
	Details map[string]string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a not-found error for the named kind of thing.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: CodeNotFound, Message: what + " not found"}
}

// Invalid returns a validation error naming one input field.
func Invalid(field, msg string) *Error {
	return &Error{Kind: KindInvalid, Code: CodeValidation, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// ErrorKind returns the Kind of err, or KindInternal if err is not an *Error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorCode returns the Code of err, or CodeInternal if err is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the caller-safe message of err, or a generic one if
// err is not an *Error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsKind reports whether err is an *Error of the given kind.
func IsKind(err error, k Kind) bool { return ErrorKind(err) == k }
