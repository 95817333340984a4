-- Sign-in hardening: failed sign-in counts, password reset links, TOTP,
-- recovery codes, the second step of a sign-in, and sessions. All of it in
-- tables of its own, keyed by the user (or, for lockouts, by the hash of
-- the normalized email, so unknown emails are counted the same way).

CREATE TABLE login_locks (
    lock_key     TEXT    NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL CHECK (failures >= 0),
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE password_resets (
    hash       TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id) WHERE used_at IS NULL;

CREATE TABLE user_totp (
    user_id    TEXT    NOT NULL PRIMARY KEY REFERENCES users (id),
    secret     TEXT    NOT NULL, -- sealed with the master key's secret box
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    hash       TEXT    NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    used_at    INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, hash)
);

CREATE TABLE mfa_challenges (
    hash       TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);

-- A session is a refresh-token family (auth_tokens.family_id).
CREATE TABLE sessions (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    org_id       TEXT    NOT NULL REFERENCES organizations (id),
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
