package sqldb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// addUser adds a user with the role to w's organization.
func (w *world) addUser(t *testing.T, db *DB, id, role string) *esign.User {
	t.Helper()
	u := &esign.User{ID: id, OrgID: w.Org.ID, Email: id + "@example.com", Name: id, Role: role, PasswordHash: "h", CreatedAt: t0.Add(time.Second)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.CreateUser(ctx, u) })
	return u
}

func testMembers(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	vic := w.addUser(t, db, w.Org.ID+"_vic", esign.RoleOrgViewer)
	key := &esign.APIKey{ID: w.Org.ID + "_key", OrgID: w.Org.ID, UserID: vic.ID, Name: "ci", Prefix: "gsk_x", Hash: w.Org.ID + "h", CreatedAt: t0}
	tok := &esign.AuthToken{Hash: w.Org.ID + "t", Kind: esign.TokenAccess, UserID: vic.ID, OrgID: w.Org.ID, FamilyID: "f", ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateAPIKey(ctx, key), tx.CreateAuthToken(ctx, tok))
	})

	t.Run("a viewer and a removal round-trip", func(t *testing.T) {
		removed := t0.Add(time.Minute)
		vic.Role, vic.Name, vic.RemovedAt = esign.RoleMember, "Vic", &removed
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.UpdateUser(ctx, vic) })
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.UserByID(ctx, vic.ID)
			wantEqual(t, got, vic)
			users, err2 := tx.UsersByOrg(ctx, w.Org.ID)
			wantEqual(t, []string{users[0].ID, users[1].ID}, []string{w.User.ID, vic.ID})
			return errors.Join(err, err2)
		})
	})
	t.Run("an unknown role is refused", func(t *testing.T) {
		bad := *vic
		bad.Role = "superuser"
		if err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.UpdateUser(ctx, &bad) }); err == nil {
			t.Fatal("stored a role the schema does not know")
		}
	})
	t.Run("revoking credentials", func(t *testing.T) {
		at := t0.Add(2 * time.Minute)
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.RevokeUserCredentials(ctx, vic.ID, at) })
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			k, err := tx.APIKeyByID(ctx, key.ID)
			tk, err2 := tx.AuthTokenByHash(ctx, tok.Hash)
			wantEqual(t, []*time.Time{k.RevokedAt, tk.RevokedAt}, []*time.Time{&at, &at})
			return errors.Join(err, err2)
		})
	})
	t.Run("transferring envelopes", func(t *testing.T) {
		var n int64
		inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			n, err = tx.TransferEnvelopes(ctx, w.Org.ID, w.User.ID, vic.ID)
			return err
		})
		wantEqual(t, n, int64(1))
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			e, err := tx.EnvelopeByID(ctx, w.Envelope.ID)
			wantEqual(t, e.OwnerID, vic.ID)
			return err
		})
	})
	t.Run("organization lock and rename", func(t *testing.T) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			o, err := tx.LockOrganization(ctx, w.Org.ID)
			if err != nil {
				return err
			}
			o.Name = "Acme Leasing"
			return tx.UpdateOrganization(ctx, o)
		})
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			o, err := tx.OrganizationByID(ctx, w.Org.ID)
			wantEqual(t, o.Name, "Acme Leasing")
			_, err2 := tx.LockOrganization(ctx, "org_nope")
			wantErr(t, err2, esign.KindNotFound, "")
			return err
		})
	})
}

func testAPIKeyListing(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	other := newWorld(t, db)
	mo := w.addUser(t, db, w.Org.ID+"_mo", esign.RoleMember)
	mk := func(id string, u *esign.User, at time.Time) *esign.APIKey {
		return &esign.APIKey{ID: id, OrgID: u.OrgID, UserID: u.ID, Name: id, Prefix: "gsk_", Hash: "hash_" + id, CreatedAt: at}
	}
	keys := []*esign.APIKey{mk(w.Org.ID+"_k1", w.User, t0), mk(w.Org.ID+"_k2", mo, t0.Add(time.Second)), mk(other.Org.ID+"_k3", other.User, t0)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateAPIKey(ctx, keys[0]), tx.CreateAPIKey(ctx, keys[1]), tx.CreateAPIKey(ctx, keys[2]))
	})
	ids := func(userID string) []string {
		var out []string
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			ks, err := tx.APIKeysByOrg(ctx, w.Org.ID, userID)
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return err
		})
		return out
	}
	wantEqual(t, ids(""), []string{keys[1].ID, keys[0].ID})
	wantEqual(t, ids(mo.ID), []string{keys[1].ID})
	var first, second bool
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		if first, err = tx.RevokeAPIKey(ctx, keys[1].ID, t0); err != nil {
			return err
		}
		second, err = tx.RevokeAPIKey(ctx, keys[1].ID, t0.Add(time.Hour))
		return err
	})
	wantEqual(t, []bool{first, second}, []bool{true, false})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.APIKeyByID(ctx, "key_nope")
		wantErr(t, err, esign.KindNotFound, "")
		return nil
	})
}

func testTeams(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	other := newWorld(t, db)
	mo := w.addUser(t, db, w.Org.ID+"_mo", esign.RoleMember)
	sales := &esign.Team{ID: w.Org.ID + "_sales", OrgID: w.Org.ID, Name: "Sales", CreatedAt: t0}
	legal := &esign.Team{ID: w.Org.ID + "_legal", OrgID: w.Org.ID, Name: "Legal", CreatedAt: t0}
	theirs := &esign.Team{ID: other.Org.ID + "_t", OrgID: other.Org.ID, Name: "Theirs", CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateTeam(ctx, sales), tx.CreateTeam(ctx, legal), tx.CreateTeam(ctx, theirs))
	})
	add := func(teamID, userID string) (added bool) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			added, err = tx.AddTeamMember(ctx, &esign.TeamMember{TeamID: teamID, UserID: userID, CreatedAt: t0})
			return err
		})
		return added
	}
	wantEqual(t, []bool{add(sales.ID, mo.ID), add(sales.ID, mo.ID), add(legal.ID, mo.ID), add(sales.ID, w.User.ID)}, []bool{true, false, true, true})

	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		ts, err := tx.TeamsByOrg(ctx, w.Org.ID)
		wantEqual(t, ts, []*esign.Team{legal, sales})
		ids, err2 := tx.TeamIDsByUser(ctx, mo.ID)
		wantEqual(t, ids, []string{legal.ID, sales.ID})
		ms, err3 := tx.TeamMembersByOrg(ctx, other.Org.ID)
		wantEqual(t, ms, []*esign.TeamMember{})
		_, err4 := tx.TeamByID(ctx, "team_nope")
		wantErr(t, err4, esign.KindNotFound, "")
		return errors.Join(err, err2, err3)
	})

	t.Run("rename, remove, and delete keeps envelopes", func(t *testing.T) {
		shared := &esign.Envelope{ID: w.Org.ID + "_shared", OrgID: w.Org.ID, OwnerID: mo.ID, TeamID: sales.ID, Name: "S", Status: esign.StatusDraft, CreatedAt: t0, UpdatedAt: t0}
		var removed, again bool
		inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			sales.Name = "Sales EMEA"
			if err = errors.Join(tx.CreateEnvelope(ctx, shared), tx.UpdateTeam(ctx, sales)); err != nil {
				return err
			}
			if removed, err = tx.RemoveTeamMember(ctx, legal.ID, mo.ID); err != nil {
				return err
			}
			again, err = tx.RemoveTeamMember(ctx, legal.ID, mo.ID)
			return errors.Join(err, tx.DeleteTeam(ctx, sales.ID))
		})
		wantEqual(t, []bool{removed, again}, []bool{true, false})
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			e, err := tx.EnvelopeByID(ctx, shared.ID)
			wantEqual(t, e.TeamID, "")
			ids, err2 := tx.TeamIDsByUser(ctx, mo.ID)
			wantEqual(t, ids, []string{})
			return errors.Join(err, err2)
		})
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.DeleteTeam(ctx, sales.ID) })
		wantErr(t, err, esign.KindNotFound, "")
	})
}

// testListEnvelopesByScope: the store applies the scope the domain
// decides: everything, an owner's, some teams', or none.
func testListEnvelopesByScope(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	mo := w.addUser(t, db, w.Org.ID+"_mo", esign.RoleMember)
	teams := []*esign.Team{{ID: "team_a", OrgID: w.Org.ID, Name: "A", CreatedAt: t0}, {ID: "team_b", OrgID: w.Org.ID, Name: "B", CreatedAt: t0}}
	env := func(id, owner, team string, h int) *esign.Envelope {
		at := t0.Add(time.Duration(h) * time.Hour)
		return &esign.Envelope{ID: id, OrgID: w.Org.ID, OwnerID: owner, TeamID: team, Name: id, Status: esign.StatusDraft, CreatedAt: at, UpdatedAt: at}
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateTeam(ctx, teams[0]), tx.CreateTeam(ctx, teams[1]),
			tx.CreateEnvelope(ctx, env("env_mo", mo.ID, "", 1)),
			tx.CreateEnvelope(ctx, env("env_a", w.User.ID, "team_a", 2)),
			tx.CreateEnvelope(ctx, env("env_b", w.User.ID, "team_b", 3)),
			tx.CreateEnvelope(ctx, env("env_mo_b", mo.ID, "team_b", 4)))
	})
	tests := []struct {
		name  string
		scope *esign.EnvelopeScope
		want  []string
	}{
		{"no scope: the organization", nil, []string{"env_mo_b", "env_b", "env_a", "env_mo", w.Envelope.ID}},
		{"all", &esign.EnvelopeScope{All: true}, []string{"env_mo_b", "env_b", "env_a", "env_mo", w.Envelope.ID}},
		{"owner", &esign.EnvelopeScope{OwnerID: mo.ID}, []string{"env_mo_b", "env_mo"}},
		{"owner or team", &esign.EnvelopeScope{OwnerID: mo.ID, TeamIDs: []string{"team_a"}}, []string{"env_mo_b", "env_a", "env_mo"}},
		{"teams only", &esign.EnvelopeScope{TeamIDs: []string{"team_a", "team_b"}}, []string{"env_mo_b", "env_b", "env_a"}},
		{"empty", &esign.EnvelopeScope{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				es, err := tx.ListEnvelopes(ctx, esign.EnvelopeFilter{OrgID: w.Org.ID, Scope: tt.scope})
				got := []string{}
				for _, e := range es {
					got = append(got, e.ID)
				}
				wantEqual(t, got, tt.want)
				return err
			})
		})
	}
}

func testInvitations(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	inv := &esign.Invitation{ID: w.Org.ID + "_inv", OrgID: w.Org.ID, Email: "ana@example.com", Role: esign.RoleOrgViewer,
		TeamIDs: []string{"team_x"}, InvitedBy: w.User.ID, CreatedAt: t0, ExpiresAt: t0.Add(esign.InvitationTTL)}
	bare := &esign.Invitation{ID: w.Org.ID + "_inv2", OrgID: w.Org.ID, Email: "ben@example.com", Role: esign.RoleMember,
		TeamIDs: []string{}, InvitedBy: w.User.ID, CreatedAt: t0.Add(time.Second), ExpiresAt: t0.Add(esign.InvitationTTL)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.CreateInvitation(ctx, inv), tx.CreateInvitation(ctx, bare))
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.InvitationByID(ctx, inv.ID)
		wantEqual(t, got, inv)
		list, err2 := tx.InvitationsByOrg(ctx, w.Org.ID)
		wantEqual(t, list, []*esign.Invitation{bare, inv})
		_, err3 := tx.InvitationByTokenHash(ctx, "")
		wantErr(t, err3, esign.KindNotFound, "")
		return errors.Join(err, err2)
	})
	at := t0.Add(time.Hour)
	inv.TokenHash, inv.AcceptedAt, inv.UserID, inv.ExpiresAt = "hash1", &at, w.User.ID, t0.Add(2*esign.InvitationTTL)
	bare.TokenHash = "hash2"
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.UpdateInvitation(ctx, inv), tx.UpdateInvitation(ctx, bare))
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.InvitationByTokenHash(ctx, "hash1")
		wantEqual(t, got, inv)
		return err
	})
	bare.TokenHash = "hash1"
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.UpdateInvitation(ctx, bare) })
	if err == nil {
		t.Fatal("two invitations share a token hash")
	}
}

func testOrgAudit(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	other := newWorld(t, db)
	mk := func(id, org string, at time.Time) *esign.OrgAuditEntry {
		return &esign.OrgAuditEntry{ID: id, OrgID: org, ActorID: "usr_x", ActorEmail: "x@example.com", Action: "member.removed",
			TargetType: "user", TargetID: "usr_y", Detail: "d", CreatedAt: at}
	}
	es := []*esign.OrgAuditEntry{mk("oau_1", w.Org.ID, t0), mk("oau_2", w.Org.ID, t0), mk("oau_3", w.Org.ID, t0.Add(time.Second)), mk("oau_4", other.Org.ID, t0)}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(tx.AppendOrgAudit(ctx, es[0]), tx.AppendOrgAudit(ctx, es[1]), tx.AppendOrgAudit(ctx, es[2]), tx.AppendOrgAudit(ctx, es[3]))
	})
	tests := []struct {
		name string
		f    esign.OrgAuditFilter
		want []*esign.OrgAuditEntry
	}{
		{"newest first, id breaks ties", esign.OrgAuditFilter{OrgID: w.Org.ID}, []*esign.OrgAuditEntry{es[2], es[1], es[0]}},
		{"limit", esign.OrgAuditFilter{OrgID: w.Org.ID, Limit: 1}, []*esign.OrgAuditEntry{es[2]}},
		{"cursor", esign.OrgAuditFilter{OrgID: w.Org.ID, BeforeCreatedAt: t0, BeforeID: "oau_2"}, []*esign.OrgAuditEntry{es[0]}},
		{"other organization", esign.OrgAuditFilter{OrgID: other.Org.ID}, []*esign.OrgAuditEntry{es[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.OrgAudit(ctx, tt.f)
				wantEqual(t, got, tt.want)
				return err
			})
		})
	}
}
