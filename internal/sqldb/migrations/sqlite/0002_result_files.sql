-- Outputs produced for a whole envelope after completion: the certificate of
-- completion, the combined PDF and the evidence JSON. Per-document results
-- stay on documents.
CREATE TABLE result_files (
    envelope_id TEXT    NOT NULL REFERENCES envelopes (id),
    part        TEXT    NOT NULL CHECK (part IN ('certificate', 'combined', 'evidence')),
    blob_key    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (envelope_id, part)
);
