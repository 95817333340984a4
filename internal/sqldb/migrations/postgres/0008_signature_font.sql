-- The font a typed signature was drawn in: a signature font id (see
-- internal/pdf/sigfont); '' for drawn and uploaded signatures. Typed
-- signatures made before signers could choose were all drawn in Go Italic.
-- Written in portable SQL: the migration of the same number on the other
-- engine is the same file.
ALTER TABLE signatures ADD COLUMN font TEXT NOT NULL DEFAULT '';
UPDATE signatures SET font = 'go-italic' WHERE kind = 'typed';
