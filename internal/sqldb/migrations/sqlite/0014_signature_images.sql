-- Signature images live in their row: the PNG bytes commit with the
-- signature in one transaction, with no blob file to create and fsync and
-- no window in which the one exists without the other. Rows written before
-- keep image NULL and their blob_key; readers use the image when it is set,
-- else the blob. New rows have blob_key ''.
ALTER TABLE signatures ADD COLUMN image BLOB;
