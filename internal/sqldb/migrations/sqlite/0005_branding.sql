-- Branding per organization: the name its emails come from, the colour of
-- their buttons, the logo shown inline, and where replies go. The logo is
-- small (the application caps it) and travels with every email, so it lives
-- in the row rather than in blob storage.
CREATE TABLE org_branding (
    org_id       TEXT    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    display_name TEXT    NOT NULL DEFAULT '',
    color        TEXT    NOT NULL DEFAULT '',
    reply_to     TEXT    NOT NULL DEFAULT '',
    logo         BLOB,
    logo_type    TEXT    NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL
);
