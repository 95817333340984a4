-- Single sign-on with OpenID Connect, per organization: its provider
-- (the client secret sealed by the application), the email domains it
-- claims (each unique across the platform, admitting no one until a DNS
-- TXT record verifies it), sign-ins in progress (the state stored hashed,
-- single-use, short-lived) and the links of provider subjects to users.

CREATE TABLE sso_configs (
    org_id        TEXT    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    issuer        TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    client_secret TEXT    NOT NULL DEFAULT '',
    default_role  TEXT    NOT NULL,
    enforce       BOOLEAN NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE sso_domains (
    domain      TEXT    NOT NULL PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    token       TEXT    NOT NULL,
    verified_at BIGINT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX sso_domains_org_id ON sso_domains (org_id, domain);

CREATE TABLE sso_states (
    hash         TEXT    NOT NULL PRIMARY KEY,
    org_id       TEXT    NOT NULL REFERENCES organizations (id),
    nonce        TEXT    NOT NULL,
    verifier     TEXT    NOT NULL,
    browser_hash TEXT    NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX sso_states_expires_at ON sso_states (expires_at);

CREATE TABLE sso_identities (
    issuer        TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    user_id       TEXT    NOT NULL REFERENCES users (id),
    org_id        TEXT    NOT NULL REFERENCES organizations (id),
    email         TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_login_at BIGINT  NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_user_id ON sso_identities (user_id);
CREATE INDEX sso_identities_org_id ON sso_identities (org_id);
