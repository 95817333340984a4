-- Organizations: the viewer role, removed members, teams (and envelopes
-- shared with one), invitations by email, and the organization's audit log
-- of membership changes. PostgreSQL edition of sqlite/0009_orgs.sql; see
-- docs/access.md.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('owner', 'admin', 'member', 'viewer'));
-- removed_at: the member was removed; they cannot sign in, their envelopes stay.
ALTER TABLE users ADD COLUMN removed_at BIGINT;

CREATE TABLE teams (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id     TEXT   NOT NULL REFERENCES organizations (id),
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX teams_org_id ON teams (org_id, name);

CREATE TABLE team_members (
    team_id    TEXT   NOT NULL REFERENCES teams (id),
    user_id    TEXT   NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
-- Authenticating reads a user's teams.
CREATE INDEX team_members_user_id ON team_members (user_id);

-- An envelope may be shared with a team. Listings of a member or viewer
-- select by owner or by team, newest first, through these indexes.
ALTER TABLE envelopes ADD COLUMN team_id TEXT REFERENCES teams (id);
CREATE INDEX envelopes_owner_created ON envelopes (owner_id, created_at, id);
CREATE INDEX envelopes_team_created ON envelopes (team_id, created_at, id);

-- token_hash is NULL until the email job minted a token; team_ids is a JSON
-- array of team ids.
CREATE TABLE invitations (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id      TEXT   NOT NULL REFERENCES organizations (id),
    email       TEXT   NOT NULL,
    role        TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    team_ids    TEXT   NOT NULL DEFAULT '[]',
    invited_by  TEXT   NOT NULL REFERENCES users (id),
    token_hash  TEXT   UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    user_id     TEXT   NOT NULL DEFAULT '',
    revoked_at  BIGINT
);
CREATE INDEX invitations_org_id ON invitations (org_id, created_at);

CREATE TABLE org_audit (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id      TEXT   NOT NULL REFERENCES organizations (id),
    actor_id    TEXT   NOT NULL,
    actor_email TEXT   NOT NULL DEFAULT '',
    action      TEXT   NOT NULL,
    target_type TEXT   NOT NULL DEFAULT '',
    target_id   TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX org_audit_org_id ON org_audit (org_id, created_at, id);
