package esign

import (
	"context"
	"strings"
)

// ssoUser finds who signed in, in this order: the user linked to the
// (issuer, subject); else the organization's user with the email, which it
// links; else, if no other organization has the email, a user it creates
// just in time with the default role. The email's domain must be one the
// organization verified.
func (s *Service) ssoUser(ctx context.Context, tx Tx, c *SSOConfig, id *OIDCIdentity) (*SSOLogin, error) {
	if err := requireVerifiedDomain(ctx, tx, c.OrgID, emailDomain(id.Email)); err != nil {
		return nil, err
	}
	now := tx.Now()
	link, err := tx.SSOIdentityBySubject(ctx, id.Issuer, id.Subject)
	switch {
	case err == nil:
		u, err := linkedUser(ctx, tx, c, link)
		if err != nil {
			return nil, err
		}
		return &SSOLogin{User: u}, tx.TouchSSOIdentity(ctx, id.Issuer, id.Subject, now)
	case !IsKind(err, KindNotFound):
		return nil, err
	}
	u, err := tx.UserByEmail(ctx, id.Email)
	switch {
	case err == nil && u.OrgID != c.OrgID:
		return nil, Errorf(KindForbidden, CodeSSOOtherOrg, "%s belongs to an account of another organization; nothing was linked", id.Email)
	case err == nil:
		return &SSOLogin{User: u}, linkSSOUser(ctx, tx, u, id)
	case !IsKind(err, KindNotFound):
		return nil, err
	}
	u = &User{ID: NewID(PrefixUser, now), OrgID: c.OrgID, Email: id.Email, Name: ssoName(id), Role: c.DefaultRole, CreatedAt: now}
	if err := tx.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return &SSOLogin{User: u, Created: true}, linkSSOUser(ctx, tx, u, id)
}

// requireVerifiedDomain admits the domain only if the organization holds
// its verified claim: a pending claim, or one another organization's
// verification made inert, admits no one.
func requireVerifiedDomain(ctx context.Context, tx Tx, orgID, domain string) error {
	d, err := tx.VerifiedSSODomain(ctx, domain)
	if err != nil && !IsKind(err, KindNotFound) {
		return err
	}
	if err != nil || d.OrgID != orgID {
		return Errorf(KindForbidden, CodeSSODomainUnverified, "%s is not a domain the organization has verified for SSO", domain)
	}
	return nil
}

// linkedUser returns the user a link points to, if it is still a user of
// the organization the sign-in is for.
func linkedUser(ctx context.Context, tx Tx, c *SSOConfig, link *SSOIdentity) (*User, error) {
	u, err := tx.UserByID(ctx, link.UserID)
	if err != nil {
		return nil, err
	}
	if u.OrgID != c.OrgID {
		return nil, Errorf(KindForbidden, CodeSSOOtherOrg, "this identity is linked to an account of another organization")
	}
	return u, nil
}

// linkSSOUser links (issuer, subject) to u, unless u is linked to another
// subject of the same issuer: an email the provider gave to someone new
// must not take over the old account.
func linkSSOUser(ctx context.Context, tx Tx, u *User, id *OIDCIdentity) error {
	links, err := tx.SSOIdentitiesByUser(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Issuer == id.Issuer {
			return Errorf(KindForbidden, CodeSSOIdentityConflict, "%s is already linked to another identity of this provider", u.Email)
		}
	}
	now := tx.Now()
	return tx.CreateSSOIdentity(ctx, &SSOIdentity{Issuer: id.Issuer, Subject: id.Subject, UserID: u.ID, OrgID: u.OrgID,
		Email: id.Email, CreatedAt: now, LastLoginAt: now})
}

// ssoName is the name a user created just in time gets: the token's, or
// the email's local part.
func ssoName(id *OIDCIdentity) string {
	if n := strings.TrimSpace(CleanText(id.Name)); n != "" && len(n) <= 200 {
		return n
	}
	local, _, _ := strings.Cut(id.Email, "@")
	return local
}

// refuseEnforcedPassword refuses password login, and registration, to an
// email of a domain whose organization verified it and enforces SSO. It
// depends on the domain alone, so it tells nothing about which accounts
// exist. Only the verified claim's organization counts: a claim that
// was never verified enforces nothing.
func refuseEnforcedPassword(ctx context.Context, tx Tx, email string) error {
	d, err := tx.VerifiedSSODomain(ctx, emailDomain(email))
	if IsKind(err, KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := tx.SSOConfigByOrg(ctx, d.OrgID)
	if IsKind(err, KindNotFound) || err == nil && !c.Enforce {
		return nil
	}
	if err != nil {
		return err
	}
	return Errorf(KindForbidden, CodeSSORequired, "accounts of %s sign in with SSO; use \"Sign in with SSO\"", d.Domain)
}
