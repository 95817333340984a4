-- SSO domain claims without squatting: several organizations may claim one
-- email domain, each with its own verification token, so an organization
-- that claims a domain and never verifies it blocks no one. Only verified
-- claims are unique per domain (the partial unique index), which is also
-- what makes one of two simultaneous verifications lose.
--
-- SQLite cannot change a primary key in place: the table is rebuilt.
-- Nothing refers to sso_domains, so dropping the old one is safe with
-- foreign keys on.

CREATE TABLE sso_domains_new (
    domain      TEXT    NOT NULL,
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    token       TEXT    NOT NULL,
    verified_at INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (domain, org_id)
);

INSERT INTO sso_domains_new (domain, org_id, token, verified_at, created_at)
SELECT domain, org_id, token, verified_at, created_at FROM sso_domains;

DROP TABLE sso_domains;
ALTER TABLE sso_domains_new RENAME TO sso_domains;

CREATE INDEX sso_domains_org_id ON sso_domains (org_id, domain);
CREATE UNIQUE INDEX sso_domains_verified ON sso_domains (domain) WHERE verified_at IS NOT NULL;
