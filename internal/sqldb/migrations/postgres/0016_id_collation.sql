-- Ids are TEXT COLLATE "C" (byte order, as SQLite compares them), but the
-- columns that refer to them were created with the database's default
-- collation. PostgreSQL compares a join of the two under "C", and a btree
-- index built under another collation cannot serve that comparison: the
-- signing requests' join of a token's envelope with its recipients read the
-- whole recipients table for every request (3,600 sequential scans reading
-- 6.5 million rows in the first 1,200 envelopes of bench/envelopes.sh), and
-- an API authentication's join of its user with team_members read all of
-- team_members. Each reference now has the collation of what it refers to
-- (TestPostgresReferencesShareCollation), so such joins use the indexes.
-- The table rows do not change; the indexes on these columns are rebuilt.
ALTER TABLE envelopes ALTER COLUMN team_id TYPE TEXT COLLATE "C";
ALTER TABLE documents ALTER COLUMN envelope_id TYPE TEXT COLLATE "C";
ALTER TABLE recipients ALTER COLUMN envelope_id TYPE TEXT COLLATE "C";
ALTER TABLE fields
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN document_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C",
    ALTER COLUMN signature_id TYPE TEXT COLLATE "C";
ALTER TABLE signatures
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C",
    ALTER COLUMN field_id TYPE TEXT COLLATE "C";
ALTER TABLE recipient_tokens
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C";
ALTER TABLE audit_events ALTER COLUMN envelope_id TYPE TEXT COLLATE "C";
ALTER TABLE result_files ALTER COLUMN envelope_id TYPE TEXT COLLATE "C";
ALTER TABLE notifications
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C";
ALTER TABLE webhook_deliveries
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C",
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C";
ALTER TABLE webhook_attempts
    ALTER COLUMN delivery_id TYPE TEXT COLLATE "C",
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C";
ALTER TABLE team_members ALTER COLUMN team_id TYPE TEXT COLLATE "C";
ALTER TABLE recipient_auth_challenges
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C";
ALTER TABLE recipient_auth_proofs
    ALTER COLUMN challenge_id TYPE TEXT COLLATE "C",
    ALTER COLUMN envelope_id TYPE TEXT COLLATE "C",
    ALTER COLUMN recipient_id TYPE TEXT COLLATE "C";
