package esign

import "slices"

// Permission is something a role in an organization may do. The zero value
// is no permission at all, so a forgotten one is caught (the route table
// refuses a sender route without one).
type Permission string

// Permissions. docs/access.md prints the table below; keep them in step.
const (
	// PermAccount: see and manage one's own account and notifications.
	PermAccount Permission = "account"
	// PermOrgRead: see the organization, its members and its teams.
	PermOrgRead Permission = "organization.read"
	// PermOrgSettings: rename the organization, change its branding and
	// sign-in (SSO) settings.
	PermOrgSettings Permission = "organization.settings"
	// PermOrgAudit: read the organization's audit log of membership changes.
	PermOrgAudit Permission = "organization.audit"
	// PermMembersManage: invite people, change members' and viewers' roles,
	// remove them and move their envelopes.
	PermMembersManage Permission = "members.manage"
	// PermOwnership: make or unmake owners and admins, remove them.
	PermOwnership Permission = "ownership"
	// PermTeamsManage: create, rename and delete teams, and add and remove
	// their members.
	PermTeamsManage Permission = "teams.manage"
	// PermAPIKeysOwn: create, list and revoke one's own API keys.
	PermAPIKeysOwn Permission = "api_keys.own"
	// PermAPIKeysAll: list and revoke every API key of the organization.
	PermAPIKeysAll Permission = "api_keys.all"
	// PermWebhooks: manage webhook endpoints (they see every envelope).
	PermWebhooks Permission = "webhooks.manage"
	// PermBillingRead and PermBillingManage: see and change the plan and
	// invoices. GSign has no billing yet; the permissions are reserved.
	PermBillingRead   Permission = "billing.read"
	PermBillingManage Permission = "billing.manage"

	// PermEnvelopeCreate: create drafts (in one's own name, in one's teams).
	PermEnvelopeCreate Permission = "envelope.create"
	// PermEnvelopeEdit: change visible drafts: documents, recipients, fields.
	PermEnvelopeEdit Permission = "envelope.edit"
	// PermEnvelopeSend: send visible drafts, resend, mint signing URLs.
	PermEnvelopeSend Permission = "envelope.send"
	// PermEnvelopeVoid: void visible envelopes in progress.
	PermEnvelopeVoid Permission = "envelope.void"
	// PermEnvelopeRead: see visible envelopes and list them.
	PermEnvelopeRead Permission = "envelope.read"
	// PermEnvelopeDownload: download the documents of visible envelopes.
	PermEnvelopeDownload Permission = "envelope.download"
	// PermEnvelopeAudit: read the audit trail of visible envelopes.
	PermEnvelopeAudit Permission = "envelope.audit"

	// Which envelopes are visible. Everyone sees the envelopes of the
	// teams they belong to; these widen it.

	// PermSeeOwnEnvelopes: also the envelopes one owns.
	PermSeeOwnEnvelopes Permission = "envelopes.own"
	// PermSeeAllEnvelopes: every envelope of the organization, and any
	// team may be chosen for a new envelope.
	PermSeeAllEnvelopes Permission = "envelopes.all"
)

// Organization roles. RoleOrgViewer is spelled "viewer" like the recipient
// role RoleViewer, but they are different things: this is a person who
// signs in and reads the envelopes of their teams.
const (
	RoleOwner     = "owner"
	RoleAdmin     = "admin"
	RoleMember    = "member"
	RoleOrgViewer = "viewer"
)

// OrgRoles lists the roles, most powerful first.
var OrgRoles = []string{RoleOwner, RoleAdmin, RoleMember, RoleOrgViewer}

// ValidOrgRole reports whether r is an organization role.
func ValidOrgRole(r string) bool { return slices.Contains(OrgRoles, r) }

// permissionTable is THE table of who may do what: role → permissions.
// Everything else asks Can.
var permissionTable = map[string][]Permission{
	RoleOwner: {
		PermAccount, PermOrgRead, PermOrgSettings, PermOrgAudit, PermMembersManage, PermOwnership,
		PermTeamsManage, PermAPIKeysOwn, PermAPIKeysAll, PermWebhooks, PermBillingRead, PermBillingManage,
		PermEnvelopeCreate, PermEnvelopeEdit, PermEnvelopeSend, PermEnvelopeVoid,
		PermEnvelopeRead, PermEnvelopeDownload, PermEnvelopeAudit, PermSeeOwnEnvelopes, PermSeeAllEnvelopes,
	},
	RoleAdmin: {
		PermAccount, PermOrgRead, PermOrgSettings, PermOrgAudit, PermMembersManage,
		PermTeamsManage, PermAPIKeysOwn, PermAPIKeysAll, PermWebhooks, PermBillingRead,
		PermEnvelopeCreate, PermEnvelopeEdit, PermEnvelopeSend, PermEnvelopeVoid,
		PermEnvelopeRead, PermEnvelopeDownload, PermEnvelopeAudit, PermSeeOwnEnvelopes, PermSeeAllEnvelopes,
	},
	RoleMember: {
		PermAccount, PermOrgRead, PermAPIKeysOwn,
		PermEnvelopeCreate, PermEnvelopeEdit, PermEnvelopeSend, PermEnvelopeVoid,
		PermEnvelopeRead, PermEnvelopeDownload, PermEnvelopeAudit, PermSeeOwnEnvelopes,
	},
	RoleOrgViewer: {
		PermAccount, PermOrgRead, PermAPIKeysOwn,
		PermEnvelopeRead, PermEnvelopeDownload, PermEnvelopeAudit,
	},
}

// Permissions lists every permission, in the order of the owner's row.
func Permissions() []Permission { return slices.Clone(permissionTable[RoleOwner]) }

// Can reports whether role may do perm. An unknown role may do nothing.
func Can(role string, perm Permission) bool {
	return perm != "" && slices.Contains(permissionTable[role], perm)
}

// Can reports whether the principal's role may do perm.
func (p *Principal) Can(perm Permission) bool { return Can(p.Role, perm) }

// Require refuses with 403 forbidden_role what the caller's role may not do.
// A nil principal may do nothing.
func (p *Principal) Require(perm Permission) error {
	if p == nil || !p.Can(perm) {
		return Errorf(KindForbidden, CodeForbiddenRole, "your role in the organization does not allow this (%s)", perm)
	}
	return nil
}

// EnvelopeScope is which envelopes of an organization a caller sees: all of
// them, or those owned by OwnerID (when set) and those of TeamIDs. The
// domain decides it from the permission table; the store only applies it.
type EnvelopeScope struct {
	All     bool
	OwnerID string
	TeamIDs []string
}

// envelopeScope is what p sees.
func (p *Principal) envelopeScope() EnvelopeScope {
	if p.Can(PermSeeAllEnvelopes) {
		return EnvelopeScope{All: true}
	}
	s := EnvelopeScope{TeamIDs: p.TeamIDs}
	if p.Can(PermSeeOwnEnvelopes) {
		s.OwnerID = p.UserID
	}
	return s
}

// Contains reports whether the scope covers e (of the right organization).
func (s EnvelopeScope) Contains(e *Envelope) bool {
	switch {
	case s.All:
		return true
	case s.OwnerID != "" && e.OwnerID == s.OwnerID:
		return true
	default:
		return e.TeamID != "" && slices.Contains(s.TeamIDs, e.TeamID)
	}
}
