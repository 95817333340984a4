package esign

import (
	"context"
	"slices"
	"strconv"
)

// Member is a user as their organization lists them, with their teams.
type Member struct {
	User    *User
	TeamIDs []string
}

// Me is the caller: their account, organization, role and teams.
type Me struct {
	User         *User
	Organization *Organization
	Teams        []*Team
	APIKeyID     string
}

// Me returns who the caller is.
func (s *Service) Me(ctx context.Context, p *Principal) (*Me, error) {
	if err := p.Require(PermAccount); err != nil {
		return nil, err
	}
	me := &Me{APIKeyID: p.APIKeyID}
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		if me.User, err = tx.UserByID(ctx, p.UserID); err != nil {
			return err
		}
		if me.Organization, err = tx.OrganizationByID(ctx, p.OrgID); err != nil {
			return err
		}
		teams, err := tx.TeamsByOrg(ctx, p.OrgID)
		for _, t := range teams {
			if slices.Contains(p.TeamIDs, t.ID) {
				me.Teams = append(me.Teams, t)
			}
		}
		return err
	})
	return me, err
}

// Organization returns the caller's organization.
func (s *Service) Organization(ctx context.Context, p *Principal) (*Organization, error) {
	if err := p.Require(PermOrgRead); err != nil {
		return nil, err
	}
	var o *Organization
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		o, err = tx.OrganizationByID(ctx, p.OrgID)
		return err
	})
	return o, err
}

// RenameOrganization changes the caller's organization's name.
func (s *Service) RenameOrganization(ctx context.Context, p *Principal, name string) (*Organization, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	name, err := requireText("name", name, 200)
	if err != nil {
		return nil, err
	}
	var o *Organization
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if o, err = tx.LockOrganization(ctx, p.OrgID); err != nil {
			return err
		}
		old := o.Name
		o.Name = name
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "organization.renamed", "organization", o.ID, old+" -> "+name)
	})
	return o, err
}

// Members lists the organization's members; removed ones only when asked.
func (s *Service) Members(ctx context.Context, p *Principal, withRemoved bool) ([]*Member, error) {
	if err := p.Require(PermOrgRead); err != nil {
		return nil, err
	}
	var out []*Member
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) error {
		users, err := tx.UsersByOrg(ctx, p.OrgID)
		if err != nil {
			return err
		}
		ms, err := tx.TeamMembersByOrg(ctx, p.OrgID)
		if err != nil {
			return err
		}
		teams := map[string][]string{}
		for _, m := range ms {
			teams[m.UserID] = append(teams[m.UserID], m.TeamID)
		}
		out = []*Member{}
		for _, u := range users {
			if u.Active() || withRemoved {
				out = append(out, &Member{User: u, TeamIDs: append([]string{}, teams[u.ID]...)})
			}
		}
		return nil
	})
	return out, err
}

// ChangeRole gives a member another role. Admins manage members and
// viewers; only owners make or unmake owners and admins; the last owner
// stays one.
func (s *Service) ChangeRole(ctx context.Context, p *Principal, userID, role string) (*User, error) {
	if err := p.Require(PermMembersManage); err != nil {
		return nil, err
	}
	if !ValidOrgRole(role) {
		return nil, Invalid("role", "must be one of owner, admin, member, viewer")
	}
	var u *User
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if u, err = lockMember(ctx, tx, p, userID); err != nil {
			return err
		}
		if err := checkRoleChange(p, u.Role, role); err != nil {
			return err
		}
		if u.Role == RoleOwner && role != RoleOwner {
			if err := keepAnOwner(ctx, tx, p.OrgID, u.ID); err != nil {
				return err
			}
		}
		old := u.Role
		u.Role = role
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "member.role_changed", "user", u.ID, old+" -> "+role)
	})
	return u, err
}

// checkRoleChange: making or unmaking an owner or admin needs ownership.
func checkRoleChange(p *Principal, from, to string) error {
	if privileged(from) || privileged(to) {
		return p.Require(PermOwnership)
	}
	return nil
}

func privileged(role string) bool { return role == RoleOwner || role == RoleAdmin }

// lockMember locks the organization (serializing membership changes) and
// returns its active user with the id; another organization's user, or a
// removed one, is not found.
func lockMember(ctx context.Context, tx Tx, p *Principal, userID string) (*User, error) {
	if _, err := tx.LockOrganization(ctx, p.OrgID); err != nil {
		return nil, err
	}
	u, err := orgUser(ctx, tx, p.OrgID, userID)
	if err == nil && !u.Active() {
		err = NotFound("member")
	}
	return u, err
}

// orgUser returns the organization's user with the id, removed or not.
func orgUser(ctx context.Context, tx Tx, orgID, userID string) (*User, error) {
	u, err := tx.UserByID(ctx, userID)
	if IsKind(err, KindNotFound) || (err == nil && u.OrgID != orgID) {
		return nil, NotFound("member")
	}
	return u, err
}

// keepAnOwner refuses to take the owner role from userID when no other
// active owner would be left. The organization's row is locked.
func keepAnOwner(ctx context.Context, tx Tx, orgID, userID string) error {
	users, err := tx.UsersByOrg(ctx, orgID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID != userID && u.Active() && u.Role == RoleOwner {
			return nil
		}
	}
	return Errorf(KindConflict, CodeLastOwner, "the organization must keep at least one owner; make someone else owner first")
}

// RemoveMember removes a member: they can no longer sign in, every token
// and API key of theirs is revoked, they leave their teams, and their
// envelopes stay in the organization (TransferEnvelopes moves them).
func (s *Service) RemoveMember(ctx context.Context, p *Principal, userID string) error {
	if err := p.Require(PermMembersManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		u, err := lockMember(ctx, tx, p, userID)
		if err != nil {
			return err
		}
		if err := checkRoleChange(p, u.Role, RoleMember); err != nil {
			return err
		}
		if u.Role == RoleOwner {
			if err := keepAnOwner(ctx, tx, p.OrgID, u.ID); err != nil {
				return err
			}
		}
		now := tx.Now()
		u.RemovedAt = &now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.RevokeUserCredentials(ctx, u.ID, now); err != nil {
			return err
		}
		if err := tx.RemoveUserFromTeams(ctx, u.ID); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "member.removed", "user", u.ID, u.Email)
	})
}

// TransferEnvelopes gives every envelope a member (removed or not) owns to
// another active member who may own envelopes.
func (s *Service) TransferEnvelopes(ctx context.Context, p *Principal, fromID, toID string) (int64, error) {
	if err := p.Require(PermMembersManage); err != nil {
		return 0, err
	}
	if toID == "" {
		return 0, Invalid("to_user_id", "is required")
	}
	var n int64
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if _, err := tx.LockOrganization(ctx, p.OrgID); err != nil {
			return err
		}
		if _, err := orgUser(ctx, tx, p.OrgID, fromID); err != nil {
			return err
		}
		to, err := orgUser(ctx, tx, p.OrgID, toID)
		if IsKind(err, KindNotFound) || (err == nil && (!to.Active() || !Can(to.Role, PermSeeOwnEnvelopes) || to.ID == fromID)) {
			return Invalid("to_user_id", "must be another active member of the organization who may own envelopes (not a viewer)")
		}
		if err != nil {
			return err
		}
		if n, err = tx.TransferEnvelopes(ctx, p.OrgID, fromID, toID); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "member.envelopes_transferred", "user", fromID, strconv.FormatInt(n, 10)+" envelopes to "+toID)
	})
	return n, err
}
