package esign

import (
	"context"
	"slices"
)

// TeamDetail is a team with its members' user ids.
type TeamDetail struct {
	Team      *Team
	MemberIDs []string
}

// Teams lists the organization's teams with their members.
func (s *Service) Teams(ctx context.Context, p *Principal) ([]*TeamDetail, error) {
	if err := p.Require(PermOrgRead); err != nil {
		return nil, err
	}
	var out []*TeamDetail
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = teamDetails(ctx, tx, p.OrgID, "")
		return err
	})
	return out, err
}

// Team returns one team of the organization with its members.
func (s *Service) Team(ctx context.Context, p *Principal, id string) (*TeamDetail, error) {
	if err := p.Require(PermOrgRead); err != nil {
		return nil, err
	}
	var out []*TeamDetail
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = teamDetails(ctx, tx, p.OrgID, id)
		return err
	})
	if err == nil && len(out) == 0 {
		err = NotFound("team")
	}
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// teamDetails returns the organization's teams (only the one with the id,
// when set) with their members.
func teamDetails(ctx context.Context, tx Tx, orgID, only string) ([]*TeamDetail, error) {
	teams, err := tx.TeamsByOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ms, err := tx.TeamMembersByOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := []*TeamDetail{}
	for _, t := range teams {
		if only != "" && t.ID != only {
			continue
		}
		d := &TeamDetail{Team: t, MemberIDs: []string{}}
		for _, m := range ms {
			if m.TeamID == t.ID {
				d.MemberIDs = append(d.MemberIDs, m.UserID)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// CreateTeam creates a team in the caller's organization.
func (s *Service) CreateTeam(ctx context.Context, p *Principal, name string) (*Team, error) {
	name, err := teamName(p, name)
	if err != nil {
		return nil, err
	}
	var t *Team
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		now := tx.Now()
		t = &Team{ID: NewID(PrefixTeam, now), OrgID: p.OrgID, Name: name, CreatedAt: now}
		if err := tx.CreateTeam(ctx, t); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "team.created", "team", t.ID, name)
	})
	return t, err
}

// RenameTeam renames a team of the caller's organization.
func (s *Service) RenameTeam(ctx context.Context, p *Principal, id, name string) (*Team, error) {
	name, err := teamName(p, name)
	if err != nil {
		return nil, err
	}
	var t *Team
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if t, err = orgTeam(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		t.Name = name
		if err := tx.UpdateTeam(ctx, t); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "team.renamed", "team", t.ID, name)
	})
	return t, err
}

// DeleteTeam deletes a team; its envelopes stay in the organization,
// visible to their owners and to admins.
func (s *Service) DeleteTeam(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(PermTeamsManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := orgTeam(ctx, tx, p.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, t.ID); err != nil {
			return err
		}
		return orgAudit(ctx, tx, p, "team.deleted", "team", t.ID, t.Name)
	})
}

// AddTeamMember adds an active member of the organization to a team;
// adding one who is in it already changes nothing.
func (s *Service) AddTeamMember(ctx context.Context, p *Principal, teamID, userID string) error {
	if err := p.Require(PermTeamsManage); err != nil {
		return err
	}
	if userID == "" {
		return Invalid("user_id", "is required")
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := orgTeam(ctx, tx, p.OrgID, teamID)
		if err != nil {
			return err
		}
		u, err := orgUser(ctx, tx, p.OrgID, userID)
		if IsKind(err, KindNotFound) || (err == nil && !u.Active()) {
			return Invalid("user_id", "is not an active member of the organization")
		}
		if err != nil {
			return err
		}
		added, err := tx.AddTeamMember(ctx, &TeamMember{TeamID: t.ID, UserID: u.ID, CreatedAt: tx.Now()})
		if err != nil || !added {
			return err
		}
		return orgAudit(ctx, tx, p, "team.member_added", "team", t.ID, u.ID)
	})
}

// RemoveTeamMember removes a user from a team; not found if they are not in it.
func (s *Service) RemoveTeamMember(ctx context.Context, p *Principal, teamID, userID string) error {
	if err := p.Require(PermTeamsManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		t, err := orgTeam(ctx, tx, p.OrgID, teamID)
		if err != nil {
			return err
		}
		removed, err := tx.RemoveTeamMember(ctx, t.ID, userID)
		if err != nil {
			return err
		}
		if !removed {
			return NotFound("team member")
		}
		return orgAudit(ctx, tx, p, "team.member_removed", "team", t.ID, userID)
	})
}

// teamName checks that the caller manages teams and returns the cleaned name.
func teamName(p *Principal, name string) (string, error) {
	if err := p.Require(PermTeamsManage); err != nil {
		return "", err
	}
	return requireText("name", name, 100)
}

// orgTeam returns the organization's team with the id; another
// organization's is not found.
func orgTeam(ctx context.Context, tx Tx, orgID, id string) (*Team, error) {
	t, err := tx.TeamByID(ctx, id)
	if err == nil && t.OrgID != orgID {
		return nil, NotFound("team")
	}
	return t, err
}

// checkEnvelopeTeam checks the team a new envelope is created for: a team
// of the organization that the caller belongs to, or any of its teams for
// those who see every envelope.
func checkEnvelopeTeam(ctx context.Context, tx Tx, p *Principal, teamID string) error {
	if teamID == "" {
		return nil
	}
	bad := Invalid("team_id", "must be a team of the organization that you belong to")
	t, err := orgTeam(ctx, tx, p.OrgID, teamID)
	if IsKind(err, KindNotFound) {
		return bad
	}
	if err != nil {
		return err
	}
	if !p.Can(PermSeeAllEnvelopes) && !slices.Contains(p.TeamIDs, t.ID) {
		return bad
	}
	return nil
}
