-- Recipient authentication levels (docs/recipient-auth.md).
--
-- Per recipient: the access code's password hash (never the code), the
-- wrong access codes since the last lockout or success, the lockouts so far
-- (each longer) and when the current one ends, and how the recipient
-- authenticated when they finished (method, and the masked destination or
-- the provider's method and reference).
ALTER TABLE recipients ADD COLUMN access_code_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN auth_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN auth_lockouts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN auth_locked_until BIGINT;
ALTER TABLE recipients ADD COLUMN auth_used TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN auth_detail TEXT NOT NULL DEFAULT '';
-- An embedded URL (and the session it is exchanged for) whose sender
-- declared it authenticated the signer itself.
ALTER TABLE recipient_tokens ADD COLUMN sender_auth BOOLEAN NOT NULL DEFAULT FALSE;

-- One-time codes sent and identity verifications started. secret_hash is an
-- HMAC under a key derived from the master key; the code is never stored.
CREATE TABLE recipient_auth_challenges (
    id           TEXT NOT NULL PRIMARY KEY,
    envelope_id  TEXT    NOT NULL REFERENCES envelopes (id),
    recipient_id TEXT    NOT NULL REFERENCES recipients (id),
    method       TEXT    NOT NULL CHECK (method IN ('email_otp', 'sms_otp', 'idv')),
    secret_hash  TEXT    NOT NULL DEFAULT '',
    destination  TEXT    NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT
);
CREATE INDEX recipient_auth_challenges_recipient ON recipient_auth_challenges (recipient_id, created_at);

-- What a recipient holds after authenticating, as SHA-256, bound to the
-- recipient and the signing token; verified_at is NULL while an identity
-- verification (challenge_id) has not passed.
CREATE TABLE recipient_auth_proofs (
    hash         TEXT    NOT NULL PRIMARY KEY,
    envelope_id  TEXT    NOT NULL REFERENCES envelopes (id),
    recipient_id TEXT    NOT NULL REFERENCES recipients (id),
    token_hash   TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT '',
    challenge_id TEXT    NOT NULL DEFAULT '',
    verified_at  BIGINT,
    expires_at   BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX recipient_auth_proofs_challenge ON recipient_auth_proofs (challenge_id);
