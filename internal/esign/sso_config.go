package esign

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// SSOInput is an organization's SSO configuration as an admin writes it.
type SSOInput struct {
	Issuer   string
	ClientID string
	// ClientSecret: nil keeps the stored secret, "" removes it (a public
	// client), anything else replaces it.
	ClientSecret *string
	// Domains is the full list of claimed domains: new ones are claimed
	// unverified, missing ones released, kept ones keep their verification.
	Domains     []string
	DefaultRole string
	Enforce     bool
}

// SSOSettings is what an admin reads back: the configuration without its
// secret, and the domains with their verification state.
type SSOSettings struct {
	Config      SSOConfig // ClientSecret is always empty here
	HasSecret   bool
	Domains     []SSOClaim
	CallbackURL string
}

func (in *SSOInput) validate() error {
	var err error
	if in.Issuer, err = checkIssuer(in.Issuer); err != nil {
		return err
	}
	if in.ClientID, err = requireText("client_id", in.ClientID, 255); err != nil {
		return err
	}
	if in.ClientSecret != nil && (len(*in.ClientSecret) > maxSSOClientField || !utf8.ValidString(*in.ClientSecret)) {
		return Invalid("client_secret", "must be text of at most 1024 bytes")
	}
	switch in.DefaultRole {
	case "":
		in.DefaultRole = RoleMember
	case RoleMember, ssoRoleViewer:
	default:
		return Invalid("default_role", `must be "member" or "viewer"`)
	}
	return in.validateDomains()
}

func (in *SSOInput) validateDomains() error {
	if len(in.Domains) > maxSSODomains {
		return Invalid("domains", fmt.Sprintf("at most %d domains", maxSSODomains))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(in.Domains))
	for i, d := range in.Domains {
		n, err := normalizeDomain(fmt.Sprintf("domains[%d]", i), d)
		if err != nil {
			return err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	in.Domains = out
	return nil
}

// GetSSO returns the caller's organization's SSO settings.
func (s *Service) GetSSO(ctx context.Context, p *Principal) (*SSOSettings, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	var out *SSOSettings
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		out, err = s.loadSSOSettings(ctx, tx, p.OrgID)
		return err
	})
	return out, err
}

func (s *Service) loadSSOSettings(ctx context.Context, tx Tx, orgID string) (*SSOSettings, error) {
	c, err := tx.SSOConfigByOrg(ctx, orgID)
	if IsKind(err, KindNotFound) {
		return nil, Errorf(KindNotFound, CodeSSONotConfigured, "the organization has no SSO configuration")
	}
	if err != nil {
		return nil, err
	}
	domains, err := tx.SSODomainsByOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	claims, err := ssoClaims(ctx, tx, domains)
	if err != nil {
		return nil, err
	}
	out := &SSOSettings{Config: *c, HasSecret: c.ClientSecret != "", Domains: claims, CallbackURL: s.SSOCallbackURL()}
	out.Config.ClientSecret = ""
	return out, nil
}

// PutSSO saves the caller's organization's SSO configuration, once the
// issuer's discovery document checks out.
func (s *Service) PutSSO(ctx context.Context, p *Principal, in SSOInput) (*SSOSettings, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if s.OpenID == nil {
		return nil, Errorf(KindUnavailable, CodeSSOUnavailable, "single sign-on is not available on this server")
	}
	if err := s.OpenID.Discover(ctx, in.Issuer); err != nil {
		return nil, err
	}
	var out *SSOSettings
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := s.saveSSOConfig(ctx, tx, p.OrgID, &in); err != nil {
			return err
		}
		if err := syncSSODomains(ctx, tx, p.OrgID, in.Domains); err != nil {
			return err
		}
		var err error
		out, err = s.loadSSOSettings(ctx, tx, p.OrgID)
		return err
	})
	return out, err
}

func (s *Service) saveSSOConfig(ctx context.Context, tx Tx, orgID string, in *SSOInput) error {
	now := tx.Now()
	c, err := tx.SSOConfigByOrg(ctx, orgID)
	if IsKind(err, KindNotFound) {
		c, err = &SSOConfig{OrgID: orgID, CreatedAt: now}, nil
	}
	if err != nil {
		return err
	}
	c.Issuer, c.ClientID, c.DefaultRole, c.Enforce, c.UpdatedAt = in.Issuer, in.ClientID, in.DefaultRole, in.Enforce, now
	if in.ClientSecret != nil {
		c.ClientSecret = ""
		if *in.ClientSecret != "" {
			c.ClientSecret = s.Secrets.Seal(*in.ClientSecret, ssoSecretAD(orgID))
		}
	}
	return tx.SaveSSOConfig(ctx, c)
}

func ssoSecretAD(orgID string) string { return "sso-client-secret:" + orgID }

// DeleteSSO removes the caller's organization's SSO configuration, its
// domains and its users' links; users keep their accounts.
func (s *Service) DeleteSSO(ctx context.Context, p *Principal) error {
	if err := p.Require(PermOrgSettings); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		err := tx.DeleteSSO(ctx, p.OrgID)
		if IsKind(err, KindNotFound) {
			return Errorf(KindNotFound, CodeSSONotConfigured, "the organization has no SSO configuration")
		}
		return err
	})
}
