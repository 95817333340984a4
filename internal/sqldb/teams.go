package sqldb

import (
	"context"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

const teamCols = `id, org_id, name, created_at`

func scanTeam(s rowScanner) (*esign.Team, error) {
	tm := &esign.Team{}
	return tm, s.Scan(&tm.ID, &tm.OrgID, &tm.Name, timeCol{&tm.CreatedAt})
}

// CreateTeam inserts tm.
func (t *tx) CreateTeam(ctx context.Context, tm *esign.Team) error {
	return t.insert(ctx, "team", insertSQL("teams", teamCols), tm.ID, tm.OrgID, tm.Name, micros(tm.CreatedAt))
}

// TeamByID returns the team with the id, whatever its organization.
func (t *tx) TeamByID(ctx context.Context, id string) (*esign.Team, error) {
	return getOne(ctx, t, "team", scanTeam, `SELECT `+teamCols+` FROM teams WHERE id = ?`, id)
}

// TeamsByOrg returns the organization's teams by name, then id.
func (t *tx) TeamsByOrg(ctx context.Context, orgID string) ([]*esign.Team, error) {
	return getAll(ctx, t, "teams", scanTeam, `SELECT `+teamCols+` FROM teams WHERE org_id = ? ORDER BY name, id`, orgID)
}

// UpdateTeam writes the team's name.
func (t *tx) UpdateTeam(ctx context.Context, tm *esign.Team) error {
	return t.updateOne(ctx, "team", tm.ID, `UPDATE teams SET name = ? WHERE id = ?`, tm.Name, tm.ID)
}

// DeleteTeam clears the team of its envelopes, deletes its memberships and
// then the team.
func (t *tx) DeleteTeam(ctx context.Context, id string) error {
	for _, q := range []string{
		`UPDATE envelopes SET team_id = NULL WHERE team_id = ?`,
		`DELETE FROM team_members WHERE team_id = ?`,
	} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return fmt.Errorf("delete team %s: %w", id, err)
		}
	}
	n, err := t.changed(ctx, `DELETE FROM teams WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete team %s: %w", id, err)
	}
	if n == 0 {
		return esign.NotFound("team")
	}
	return nil
}

const teamMemberCols = `team_id, user_id, created_at`

func scanTeamMember(s rowScanner) (*esign.TeamMember, error) {
	m := &esign.TeamMember{}
	return m, s.Scan(&m.TeamID, &m.UserID, timeCol{&m.CreatedAt})
}

// AddTeamMember inserts m unless the user is in the team, and reports
// whether it did.
func (t *tx) AddTeamMember(ctx context.Context, m *esign.TeamMember) (bool, error) {
	const q = `INSERT INTO team_members (` + teamMemberCols + `) VALUES (?, ?, ?) ON CONFLICT (team_id, user_id) DO NOTHING`
	n, err := t.changed(ctx, q, m.TeamID, m.UserID, micros(m.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("add %s to team %s: %w", m.UserID, m.TeamID, err)
	}
	return n > 0, nil
}

// RemoveTeamMember deletes the membership and reports whether there was one.
func (t *tx) RemoveTeamMember(ctx context.Context, teamID, userID string) (bool, error) {
	n, err := t.changed(ctx, `DELETE FROM team_members WHERE team_id = ? AND user_id = ?`, teamID, userID)
	if err != nil {
		return false, fmt.Errorf("remove %s from team %s: %w", userID, teamID, err)
	}
	return n > 0, nil
}

// RemoveUserFromTeams deletes every membership of the user.
func (t *tx) RemoveUserFromTeams(ctx context.Context, userID string) error {
	if _, err := t.exec(ctx, `DELETE FROM team_members WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("remove %s from teams: %w", userID, err)
	}
	return nil
}

// TeamMembersByOrg returns the memberships of the organization's teams.
func (t *tx) TeamMembersByOrg(ctx context.Context, orgID string) ([]*esign.TeamMember, error) {
	const q = `SELECT m.team_id, m.user_id, m.created_at FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE t.org_id = ? ORDER BY m.team_id, m.created_at, m.user_id`
	return getAll(ctx, t, "team members", scanTeamMember, q, orgID)
}

// TeamIDsByUser returns the ids of the user's teams, in id order.
func (t *tx) TeamIDsByUser(ctx context.Context, userID string) ([]string, error) {
	ms, err := getAll(ctx, t, "team members", scanTeamMember,
		`SELECT `+teamMemberCols+` FROM team_members WHERE user_id = ? ORDER BY team_id`, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.TeamID
	}
	return ids, nil
}
