-- SSO domain claims without squatting: several organizations may claim one
-- email domain, each with its own verification token, so an organization
-- that claims a domain and never verifies it blocks no one. Only verified
-- claims are unique per domain (the partial unique index), which is also
-- what makes one of two simultaneous verifications lose.
--
-- The new primary key keeps PostgreSQL's default name, sso_domains_pkey,
-- which is how the store tells a duplicate claim from a domain verified
-- by another organization.

ALTER TABLE sso_domains DROP CONSTRAINT sso_domains_pkey;
ALTER TABLE sso_domains ADD PRIMARY KEY (domain, org_id);
CREATE UNIQUE INDEX sso_domains_verified ON sso_domains (domain) WHERE verified_at IS NOT NULL;
