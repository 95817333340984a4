-- GSign's initial schema, PostgreSQL edition: table by table and column by
-- column the same as migrations/sqlite/0001_init.sql, in PostgreSQL's types.
--
-- Times are BIGINT microseconds since the Unix epoch, UTC; NULL stands for
-- an unset optional time. Other integers are BIGINT too, as SQLite's INTEGER
-- is 64-bit; its REAL is DOUBLE PRECISION, its BLOB is BYTEA, and a flag is
-- BOOLEAN. Text that may be empty is NOT NULL DEFAULT ''.
-- Text that queries sort on (ids, as the tie-breaker of every ordered list
-- and the envelope cursor) is COLLATE "C": byte order, as SQLite's BINARY,
-- whatever the locale the database was created with.
-- created_seq numbers the rows of one envelope in insertion order, so that
-- "in creation order" holds even for rows created in the same microsecond
-- (ids are time-ordered only to the millisecond).
-- Enumerations are checked here so that a bug cannot store a value the
-- domain does not know; the rules about which value comes next live in Go.
-- Primary keys keep PostgreSQL's default constraint name, <table>_pkey,
-- which is how the store tells a duplicate key from another duplicate.

CREATE TABLE organizations (
    id         TEXT   NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT   NOT NULL PRIMARY KEY,
    org_id        TEXT   NOT NULL REFERENCES organizations (id),
    email         TEXT   NOT NULL,
    -- email_norm is email lowercased by the application, so that every
    -- engine folds case the same way; it alone carries the uniqueness.
    email_norm    TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL DEFAULT '',
    role          TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_org_id ON users (org_id);

CREATE TABLE auth_tokens (
    hash       TEXT   NOT NULL PRIMARY KEY,
    kind       TEXT   NOT NULL CHECK (kind IN ('access', 'refresh')),
    user_id    TEXT   NOT NULL REFERENCES users (id),
    org_id     TEXT   NOT NULL REFERENCES organizations (id),
    family_id  TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX auth_tokens_family_id ON auth_tokens (family_id);
CREATE INDEX auth_tokens_user_id ON auth_tokens (user_id);

CREATE TABLE api_keys (
    id           TEXT   NOT NULL PRIMARY KEY,
    org_id       TEXT   NOT NULL REFERENCES organizations (id),
    user_id      TEXT   NOT NULL REFERENCES users (id),
    name         TEXT   NOT NULL DEFAULT '',
    prefix       TEXT   NOT NULL DEFAULT '',
    hash         TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_keys_org_id ON api_keys (org_id);
CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE envelopes (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id        TEXT   NOT NULL REFERENCES organizations (id),
    owner_id      TEXT   NOT NULL REFERENCES users (id),
    name          TEXT   NOT NULL,
    subject       TEXT   NOT NULL DEFAULT '',
    message       TEXT   NOT NULL DEFAULT '',
    status        TEXT   NOT NULL CHECK (status IN ('draft', 'sent', 'delivered', 'completed', 'declined', 'voided', 'expired')),
    expires_at    BIGINT,
    sent_at       BIGINT,
    completed_at  BIGINT,
    voided_at     BIGINT,
    void_reason   TEXT   NOT NULL DEFAULT '',
    declined_at   BIGINT,
    expired_at    BIGINT,
    result_status TEXT   NOT NULL DEFAULT '' CHECK (result_status IN ('', 'pending', 'ready', 'failed')),
    result_error  TEXT   NOT NULL DEFAULT '',
    audit_seq     BIGINT NOT NULL DEFAULT 0 CHECK (audit_seq >= 0),
    audit_head    TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
-- Listing an organization's envelopes, newest first, with or without a status.
CREATE INDEX envelopes_org_created ON envelopes (org_id, created_at DESC, id DESC);
CREATE INDEX envelopes_org_status_created ON envelopes (org_id, status, created_at, id);
-- Listing across organizations (fsck, audit reports) and finding due expiries.
CREATE INDEX envelopes_created ON envelopes (created_at, id);
CREATE INDEX envelopes_status_expires ON envelopes (status, expires_at);
CREATE INDEX envelopes_owner_id ON envelopes (owner_id);

CREATE TABLE documents (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    envelope_id   TEXT   NOT NULL REFERENCES envelopes (id),
    name          TEXT   NOT NULL,
    position      BIGINT NOT NULL,
    pages         TEXT   NOT NULL, -- JSON array of {"width":…,"height":…}
    size          BIGINT NOT NULL CHECK (size >= 0),
    sha256        TEXT   NOT NULL,
    blob_key      TEXT   NOT NULL,
    result_key    TEXT   NOT NULL DEFAULT '',
    result_sha256 TEXT   NOT NULL DEFAULT '',
    result_size   BIGINT NOT NULL DEFAULT 0 CHECK (result_size >= 0),
    created_at    BIGINT NOT NULL,
    created_seq   BIGINT NOT NULL
);
CREATE INDEX documents_envelope_seq ON documents (envelope_id, created_seq);

CREATE TABLE recipients (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    envelope_id     TEXT   NOT NULL REFERENCES envelopes (id),
    name            TEXT   NOT NULL,
    email           TEXT   NOT NULL,
    role            TEXT   NOT NULL CHECK (role IN ('signer', 'approver', 'viewer', 'cc')),
    routing_order   BIGINT NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('created', 'sent', 'delivered', 'completed', 'declined')),
    auth_method     TEXT   NOT NULL DEFAULT '',
    sent_at         BIGINT,
    delivered_at    BIGINT,
    completed_at    BIGINT,
    declined_at     BIGINT,
    decline_reason  TEXT   NOT NULL DEFAULT '',
    sign_ip         TEXT   NOT NULL DEFAULT '',
    sign_user_agent TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    created_seq     BIGINT NOT NULL
);
CREATE INDEX recipients_envelope_seq ON recipients (envelope_id, created_seq);

CREATE TABLE fields (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    envelope_id  TEXT    NOT NULL REFERENCES envelopes (id),
    document_id  TEXT    NOT NULL REFERENCES documents (id),
    recipient_id TEXT    NOT NULL REFERENCES recipients (id),
    type         TEXT    NOT NULL CHECK (type IN ('signature', 'initials', 'date_signed', 'name', 'email', 'text', 'checkbox')),
    page         BIGINT  NOT NULL,
    x            DOUBLE PRECISION NOT NULL,
    y            DOUBLE PRECISION NOT NULL,
    width        DOUBLE PRECISION NOT NULL,
    height       DOUBLE PRECISION NOT NULL,
    required     BOOLEAN NOT NULL, -- SQLite: INTEGER 0 or 1
    value        TEXT    NOT NULL DEFAULT '',
    -- signature_id has no foreign key: a signature refers to its field, so
    -- the reference back would be circular; '' means none. fsck checks it.
    signature_id TEXT    NOT NULL DEFAULT '',
    filled_at    BIGINT,
    created_at   BIGINT  NOT NULL,
    created_seq  BIGINT  NOT NULL
);
CREATE INDEX fields_envelope_seq ON fields (envelope_id, created_seq);
CREATE INDEX fields_document_id ON fields (document_id);
CREATE INDEX fields_recipient_id ON fields (recipient_id);

CREATE TABLE signatures (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    envelope_id  TEXT   NOT NULL REFERENCES envelopes (id),
    recipient_id TEXT   NOT NULL REFERENCES recipients (id),
    field_id     TEXT   NOT NULL REFERENCES fields (id),
    kind         TEXT   NOT NULL CHECK (kind IN ('draw', 'typed', 'upload')),
    text         TEXT   NOT NULL DEFAULT '',
    blob_key     TEXT   NOT NULL DEFAULT '',
    sha256       TEXT   NOT NULL DEFAULT '',
    ip           TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_seq  BIGINT NOT NULL
);
CREATE INDEX signatures_envelope_seq ON signatures (envelope_id, created_seq);
CREATE INDEX signatures_recipient_id ON signatures (recipient_id);
CREATE INDEX signatures_field_id ON signatures (field_id);

CREATE TABLE recipient_tokens (
    hash         TEXT   NOT NULL PRIMARY KEY,
    envelope_id  TEXT   NOT NULL REFERENCES envelopes (id),
    recipient_id TEXT   NOT NULL REFERENCES recipients (id),
    kind         TEXT   NOT NULL CHECK (kind IN ('link', 'embedded', 'session')),
    expires_at   BIGINT,
    used_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX recipient_tokens_envelope_id ON recipient_tokens (envelope_id);
CREATE INDEX recipient_tokens_recipient_id ON recipient_tokens (recipient_id);

CREATE TABLE audit_events (
    envelope_id      TEXT   NOT NULL REFERENCES envelopes (id),
    seq              BIGINT NOT NULL CHECK (seq >= 1),
    version          BIGINT NOT NULL,
    type             TEXT   NOT NULL,
    actor_type       TEXT   NOT NULL CHECK (actor_type IN ('user', 'api_key', 'recipient', 'system')),
    actor_id         TEXT   NOT NULL DEFAULT '',
    actor_email      TEXT   NOT NULL DEFAULT '',
    actor_ip         TEXT   NOT NULL DEFAULT '',
    actor_user_agent TEXT   NOT NULL DEFAULT '',
    occurred_at      BIGINT NOT NULL,
    data             TEXT   NOT NULL, -- JSON object of strings
    previous_hash    TEXT   NOT NULL,
    hash             TEXT   NOT NULL,
    PRIMARY KEY (envelope_id, seq)
);

CREATE TABLE jobs (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    kind         TEXT   NOT NULL,
    payload      BYTEA  NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'running', 'done', 'dead')),
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts BIGINT NOT NULL CHECK (max_attempts >= 0),
    locked_by    TEXT   NOT NULL DEFAULT '',
    locked_until BIGINT,
    last_error   TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- Claiming the oldest due job and listing jobs by status.
CREATE INDEX jobs_status_run_at ON jobs (status, run_at);

CREATE TABLE idempotency_keys (
    scope        TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    status       BIGINT NOT NULL DEFAULT 0,
    header       BYTEA  NOT NULL,
    body         BYTEA  NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
