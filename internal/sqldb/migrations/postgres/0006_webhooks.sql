-- Webhook endpoints per organization, their deliveries (one per event and
-- endpoint, with the exact body every attempt sends), each attempt, and
-- in-app notifications of senders. PostgreSQL edition: the same tables as
-- migrations/sqlite/0005_webhooks.sql in PostgreSQL's types.

CREATE TABLE webhook_endpoints (
    id                TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id            TEXT    NOT NULL REFERENCES organizations (id),
    url               TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    -- events is a JSON array of event type names.
    events            TEXT    NOT NULL,
    enabled           BOOLEAN NOT NULL,
    disabled_reason   TEXT    NOT NULL DEFAULT '',
    secret            TEXT    NOT NULL,
    prev_secret       TEXT    NOT NULL DEFAULT '',
    prev_secret_until BIGINT,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
-- Raising an event reads the organization's endpoints: one indexed query.
CREATE INDEX webhook_endpoints_org_id ON webhook_endpoints (org_id, created_at);

CREATE TABLE webhook_deliveries (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id          TEXT    NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      TEXT    NOT NULL,
    envelope_id     TEXT    NOT NULL,
    payload         BYTEA   NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
    attempts        BIGINT  NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    replays         BIGINT  NOT NULL DEFAULT 0 CHECK (replays >= 0),
    next_attempt_at BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
-- An endpoint's delivery log, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

CREATE TABLE webhook_attempts (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    delivery_id  TEXT    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id  TEXT    NOT NULL,
    attempted_at BIGINT  NOT NULL,
    status_code  BIGINT  NOT NULL DEFAULT 0,
    duration_us  BIGINT  NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    response     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

CREATE TABLE notifications (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    org_id       TEXT    NOT NULL REFERENCES organizations (id),
    user_id      TEXT    NOT NULL REFERENCES users (id),
    type         TEXT    NOT NULL,
    envelope_id  TEXT    NOT NULL,
    recipient_id TEXT    NOT NULL DEFAULT '',
    message      TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    read_at      BIGINT 
);
-- A user's notifications newest first, all or unread only.
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_user_unread ON notifications (user_id, created_at, id) WHERE read_at IS NULL;
