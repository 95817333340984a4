-- Reminders, expiry warnings and SMS. Written in portable SQL: the
-- PostgreSQL migration of the same number is the same file.
--
-- Per-envelope settings, in seconds; 0: off. expiry_warning_at is when the
-- warning is due (expires_at minus the warning), set when the envelope is
-- sent and cleared once the warning is enqueued, so that the scheduler finds
-- due warnings through an index instead of scanning envelopes.
ALTER TABLE envelopes ADD COLUMN reminder_delay BIGINT NOT NULL DEFAULT 0;
ALTER TABLE envelopes ADD COLUMN reminder_frequency BIGINT NOT NULL DEFAULT 0;
ALTER TABLE envelopes ADD COLUMN expiry_warning BIGINT NOT NULL DEFAULT 0;
ALTER TABLE envelopes ADD COLUMN expiry_warning_at BIGINT;
CREATE INDEX envelopes_expiry_warning_at ON envelopes (expiry_warning_at);
-- Per recipient: when the next reminder is due (NULL: none), set when the
-- recipient is notified and moved on by each reminder, and how many were
-- sent (the number in each reminder's job id). phone is E.164 or ''.
ALTER TABLE recipients ADD COLUMN next_reminder_at BIGINT;
ALTER TABLE recipients ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN phone TEXT NOT NULL DEFAULT '';
CREATE INDEX recipients_next_reminder_at ON recipients (next_reminder_at);
