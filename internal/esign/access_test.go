package esign_test

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/esign"
)

var inviteTokenRE = regexp.MustCompile(`/app/invite/(gsi_[A-Za-z0-9_-]+)`)

// join invites email into owner's organization with the role, accepts by
// the emailed link and returns the new user's principal.
func (h *harness) join(owner *esign.Principal, email, role string) *esign.Principal {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.svc.Invite(ctx, owner, esign.InviteInput{Email: email, Role: role}); err != nil {
		h.t.Fatal(err)
	}
	h.drain()
	var token string
	for _, m := range h.mail.To(email) {
		if mm := inviteTokenRE.FindStringSubmatch(m.Text); mm != nil {
			token = mm[1]
		}
	}
	reg, err := h.svc.AcceptInvitation(ctx, token, esign.AcceptInput{Name: "Joiner", Password: "correct horse battery"})
	if err != nil {
		h.t.Fatal(err)
	}
	p, err := h.svc.Authenticate(ctx, reg.Tokens.AccessToken)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// TestDomainChecksPermissions calls the Service directly, without the API's
// middleware: the domain refuses on its own (defence in depth).
func TestDomainChecksPermissions(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	owner := h.register("olive@example.com")
	viewer := h.join(owner, "vic@example.com", esign.RoleOrgViewer)
	member := h.join(owner, "mo@example.com", esign.RoleMember)
	d, _ := h.draft(owner, 1)

	wantCode := func(name string, err error, code string) {
		t.Helper()
		if esign.ErrorCode(err) != code {
			t.Errorf("%s: %v, want %s", name, err, code)
		}
	}
	_, err := h.svc.CreateEnvelope(ctx, viewer, esign.CreateEnvelopeInput{Name: "x"})
	wantCode("viewer creates", err, esign.CodeForbiddenRole)
	_, err = h.svc.GetEnvelope(ctx, member, d.Envelope.ID)
	wantCode("member reads the owner's envelope", err, esign.CodeNotFound)
	_, err = h.svc.Send(ctx, member, d.Envelope.ID)
	wantCode("member sends the owner's envelope", err, esign.CodeNotFound)
	_, err = h.svc.WebhookEndpoints(ctx, member)
	wantCode("member lists webhooks", err, esign.CodeForbiddenRole)
	_, err = h.svc.Invite(ctx, member, esign.InviteInput{Email: "x@example.com", Role: esign.RoleMember})
	wantCode("member invites", err, esign.CodeForbiddenRole)
	_, err = h.svc.Notifications(ctx, &esign.Principal{UserID: owner.UserID, OrgID: owner.OrgID, Role: "retired"}, esign.ListInput{}, false)
	wantCode("an unknown role reads notifications", err, esign.CodeForbiddenRole)

	team, err := h.svc.CreateTeam(ctx, owner, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.AddTeamMember(ctx, owner, team.ID, viewer.UserID); err != nil {
		t.Fatal(err)
	}
	shared, err := h.svc.CreateEnvelope(ctx, owner, esign.CreateEnvelopeInput{Name: "Shared", TeamID: team.ID})
	if err != nil {
		t.Fatal(err)
	}
	viewer.TeamIDs = []string{team.ID} // as Authenticate would now read them
	if _, err := h.svc.GetEnvelope(ctx, viewer, shared.Envelope.ID); err != nil {
		t.Fatalf("viewer reads the team's envelope: %v", err)
	}
	_, err = h.svc.Void(ctx, viewer, shared.Envelope.ID, "no")
	wantCode("viewer voids the team's envelope", err, esign.CodeForbiddenRole)
}

// TestOwnersDemotingEachOtherKeepOne: two owners demote each other at once;
// the organization's lock lets one win and the other finds itself the
// last owner.
func TestOwnersDemotingEachOtherKeepOne(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.register("olive@example.com")
	b := h.join(a, "otto@example.com", esign.RoleOwner)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]*esign.Principal{{a, b}, {b, a}} {
		wg.Go(func() { _, errs[i] = h.svc.ChangeRole(ctx, pair[0], pair[1].UserID, esign.RoleAdmin) })
	}
	wg.Wait()
	members, err := h.svc.Members(ctx, a, false)
	if err != nil {
		t.Fatal(err)
	}
	owners := 0
	for _, m := range members {
		if m.User.Role == esign.RoleOwner {
			owners++
		}
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if code := esign.ErrorCode(err); code != esign.CodeLastOwner && code != esign.CodeForbiddenRole {
				t.Errorf("unexpected error %v", err)
			}
		}
	}
	if owners != 1 || failed != 1 {
		t.Fatalf("%d owners left, %d changes refused (%v); want 1 and 1", owners, failed, errs)
	}
}
