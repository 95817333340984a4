package esign

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"net"
	"slices"
	"strings"
)

// SSODomainStatus is where one organization's claim on a domain stands.
type SSODomainStatus string

// The states of a claim. Claiming is open to every organization, so that
// claiming someone else's domain and never verifying it (squatting) blocks
// no one; what counts is the one verified claim.
const (
	// SSODomainPending: the claim waits for its TXT record.
	SSODomainPending SSODomainStatus = "pending"
	// SSODomainVerified: the claim is the domain's verified one; it admits
	// the organization's users and is subject to its enforce setting.
	SSODomainVerified SSODomainStatus = "verified"
	// SSODomainVerifiedElsewhere: another organization verified the domain;
	// this claim admits no one, and cannot be verified until that
	// organization releases the domain.
	SSODomainVerifiedElsewhere SSODomainStatus = "verified_by_another_organization"
)

// SSOClaim is one of an organization's claims and where it stands.
type SSOClaim struct {
	*SSODomain
	Status SSODomainStatus
}

// ssoClaims tells where each of the organization's claims stands.
func ssoClaims(ctx context.Context, tx Tx, domains []*SSODomain) ([]SSOClaim, error) {
	out := make([]SSOClaim, 0, len(domains))
	for _, d := range domains {
		st, err := claimStatus(ctx, tx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, SSOClaim{SSODomain: d, Status: st})
	}
	return out, nil
}

func claimStatus(ctx context.Context, tx Tx, d *SSODomain) (SSODomainStatus, error) {
	if d.VerifiedAt != nil {
		return SSODomainVerified, nil
	}
	_, err := tx.VerifiedSSODomain(ctx, d.Domain)
	switch {
	case err == nil:
		return SSODomainVerifiedElsewhere, nil
	case IsKind(err, KindNotFound):
		return SSODomainPending, nil
	}
	return "", err
}

// syncSSODomains makes the organization's claims the list: it releases
// the domains left out and claims the new ones, each with a fresh token.
// Other organizations' claims on the same domains are no obstacle.
func syncSSODomains(ctx context.Context, tx Tx, orgID string, domains []string) error {
	have, err := tx.SSODomainsByOrg(ctx, orgID)
	if err != nil {
		return err
	}
	for _, d := range have {
		if !slices.Contains(domains, d.Domain) {
			if err := tx.DeleteSSODomain(ctx, orgID, d.Domain); err != nil {
				return err
			}
		}
	}
	for _, name := range domains {
		if slices.ContainsFunc(have, func(d *SSODomain) bool { return d.Domain == name }) {
			continue
		}
		d := &SSODomain{Domain: name, OrgID: orgID, Token: newVerificationToken(), CreatedAt: tx.Now()}
		if err := tx.CreateSSODomain(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func newVerificationToken() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("esign: crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// VerifySSODomain looks up the domain's TXT records and marks the
// organization's claim verified when one of them carries its token. A
// domain another organization verified answers 409 sso_domain_taken, also
// when both verify at once: the store's uniqueness of verified claims
// decides, not the check made here before the lookup.
func (s *Service) VerifySSODomain(ctx context.Context, p *Principal, domain string) (*SSOClaim, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	name, err := normalizeDomain("domain", domain)
	if err != nil {
		return nil, err
	}
	d, err := s.claimToVerify(ctx, p.OrgID, name)
	if err != nil {
		return nil, err
	}
	if err := s.findTXT(ctx, d); err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		now := tx.Now()
		d.VerifiedAt = &now
		return tx.MarkSSODomainVerified(ctx, d.OrgID, d.Domain, now)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("sso domain verified", "org_id", d.OrgID, "domain", d.Domain)
	return &SSOClaim{SSODomain: d, Status: SSODomainVerified}, nil
}

// claimToVerify returns the organization's claim on the domain, unless
// another organization has verified the domain: then there is no point
// in a DNS lookup.
func (s *Service) claimToVerify(ctx context.Context, orgID, name string) (*SSODomain, error) {
	var d *SSODomain
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		d, err = tx.SSODomainClaim(ctx, orgID, name)
		if IsKind(err, KindNotFound) {
			return Errorf(KindNotFound, CodeNotFound, "the organization does not claim %s; add it to the SSO domains first", name)
		}
		if err != nil {
			return err
		}
		st, err := claimStatus(ctx, tx, d)
		if err == nil && st == SSODomainVerifiedElsewhere {
			return SSODomainTaken(name)
		}
		return err
	})
	return d, err
}

// findTXT succeeds when the domain publishes the claim's verification
// record; another organization's record proves nothing for this one.
func (s *Service) findTXT(ctx context.Context, d *SSODomain) error {
	var dns TXTResolver = net.DefaultResolver
	if s.DNS != nil {
		dns = s.DNS
	}
	records, err := dns.LookupTXT(ctx, d.Domain+".")
	var dnsErr *net.DNSError
	if err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		s.Log.Warn("sso domain verification: DNS lookup failed", "domain", d.Domain, "err", err)
		return Errorf(KindInvalid, CodeSSODomainCheck, "the DNS lookup of %s failed; try again later", d.Domain)
	}
	if slices.Contains(records, d.TXTRecord()) {
		return nil
	}
	return Errorf(KindInvalid, CodeSSODomainCheck, "%s has no TXT record %q (found %d TXT records); DNS changes may take a while to appear",
		d.Domain, d.TXTRecord(), len(records))
}
