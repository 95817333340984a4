-- Organizations: the viewer role, removed members, teams (and envelopes
-- shared with one), invitations by email, and the organization's audit log
-- of membership changes. See docs/access.md.
--
-- users.role gains 'viewer'. SQLite cannot change a CHECK constraint in
-- place; a column's own CHECK goes with the column, so the role moves to a
-- new column with the wider CHECK and the old one is dropped.
ALTER TABLE users RENAME COLUMN role TO role_v1;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member', 'viewer'));
UPDATE users SET role = role_v1;
ALTER TABLE users DROP COLUMN role_v1;
-- removed_at: the member was removed; they cannot sign in, their envelopes stay.
ALTER TABLE users ADD COLUMN removed_at INTEGER;

CREATE TABLE teams (
    id         TEXT    NOT NULL PRIMARY KEY,
    org_id     TEXT    NOT NULL REFERENCES organizations (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX teams_org_id ON teams (org_id, name);

CREATE TABLE team_members (
    team_id    TEXT    NOT NULL REFERENCES teams (id),
    user_id    TEXT    NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
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
    id          TEXT    NOT NULL PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    team_ids    TEXT    NOT NULL DEFAULT '[]',
    invited_by  TEXT    NOT NULL REFERENCES users (id),
    token_hash  TEXT    UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    user_id     TEXT    NOT NULL DEFAULT '',
    revoked_at  INTEGER
);
CREATE INDEX invitations_org_id ON invitations (org_id, created_at);

CREATE TABLE org_audit (
    id          TEXT    NOT NULL PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    actor_id    TEXT    NOT NULL,
    actor_email TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target_type TEXT    NOT NULL DEFAULT '',
    target_id   TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX org_audit_org_id ON org_audit (org_id, created_at, id);
