-- Outputs produced for a whole envelope after completion: the certificate of
-- completion, the combined PDF and the evidence JSON. Per-document results
-- stay on documents. As migrations/sqlite/0002_result_files.sql; part is
-- what the files are listed by, hence COLLATE "C".
CREATE TABLE result_files (
    envelope_id TEXT   NOT NULL REFERENCES envelopes (id),
    part        TEXT COLLATE "C" NOT NULL CHECK (part IN ('certificate', 'combined', 'evidence')),
    blob_key    TEXT   NOT NULL,
    sha256      TEXT   NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (envelope_id, part)
);
