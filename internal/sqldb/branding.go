package sqldb

import (
	"context"

	"github.com/gsign/gsign/internal/esign"
)

const brandingCols = `org_id, display_name, color, reply_to, logo, logo_type, updated_at`

func scanBranding(s rowScanner) (*esign.Branding, error) {
	b := &esign.Branding{}
	return b, s.Scan(&b.OrgID, &b.DisplayName, &b.Color, &b.ReplyTo, &b.Logo, &b.LogoType, timeCol{&b.UpdatedAt})
}

// BrandingByOrg returns the organization's branding.
func (t *tx) BrandingByOrg(ctx context.Context, orgID string) (*esign.Branding, error) {
	return getOne(ctx, t, "branding", scanBranding, `SELECT `+brandingCols+` FROM org_branding WHERE org_id = ?`, orgID)
}

// SaveBranding inserts or replaces the organization's branding.
func (t *tx) SaveBranding(ctx context.Context, b *esign.Branding) error {
	var logo []byte
	if len(b.Logo) > 0 {
		logo = b.Logo
	}
	const q = `INSERT INTO org_branding (` + brandingCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET display_name = excluded.display_name, color = excluded.color,
		reply_to = excluded.reply_to, logo = excluded.logo, logo_type = excluded.logo_type, updated_at = excluded.updated_at`
	return t.insert(ctx, "branding", q, b.OrgID, b.DisplayName, b.Color, b.ReplyTo, logo, b.LogoType, micros(b.UpdatedAt))
}
