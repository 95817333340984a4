package sqldb

import (
	"context"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

const resultFileCols = `envelope_id, part, blob_key, sha256, size, created_at`

func scanResultFile(s rowScanner) (*esign.ResultFile, error) {
	r := &esign.ResultFile{}
	return r, s.Scan(&r.EnvelopeID, &r.Part, &r.BlobKey, &r.SHA256, &r.Size, timeCol{&r.CreatedAt})
}

// SaveResultFile inserts r, or replaces the envelope's file of that part.
func (t *tx) SaveResultFile(ctx context.Context, r *esign.ResultFile) error {
	const q = `INSERT INTO result_files (` + resultFileCols + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (envelope_id, part) DO UPDATE SET blob_key = excluded.blob_key,
		sha256 = excluded.sha256, size = excluded.size, created_at = excluded.created_at`
	saved := func(_ int64, err error) error {
		if err != nil {
			return fmt.Errorf("save %s of %s: %w", r.Part, r.EnvelopeID, err)
		}
		return nil
	}
	return t.write(ctx, q, saved, r.EnvelopeID, r.Part, r.BlobKey, r.SHA256, r.Size, micros(r.CreatedAt))
}

// resultFilesSQL is what ResultFiles runs.
const resultFilesSQL = `SELECT ` + resultFileCols + ` FROM result_files WHERE envelope_id = ? ORDER BY part`

// ResultFiles returns the envelope's result files ordered by part.
func (t *tx) ResultFiles(ctx context.Context, envelopeID string) ([]*esign.ResultFile, error) {
	return getAll(ctx, t, "result file", scanResultFile, resultFilesSQL, envelopeID)
}
