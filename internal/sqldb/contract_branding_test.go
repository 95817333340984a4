package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func testBranding(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	readBranding := func(t *testing.T, orgID string) (*esign.Branding, error) {
		var b *esign.Branding
		err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
			b, err = tx.BrandingByOrg(ctx, orgID)
			return err
		})
		return b, err
	}
	save := func(t *testing.T, b *esign.Branding) {
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.SaveBranding(ctx, b) })
	}
	t.Run("none yet", func(t *testing.T) {
		_, err := readBranding(t, w.Org.ID)
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
	})
	logo := []byte("\x89PNG\r\n\x1a\n\x00\x00binary\xff")
	full := &esign.Branding{OrgID: w.Org.ID, DisplayName: "Acme Leasing — Été", Color: "#c0392b", ReplyTo: "contracts@acme.example",
		Logo: logo, LogoType: "image/png", UpdatedAt: t0.Add(7 * time.Microsecond)}
	t.Run("insert", func(t *testing.T) {
		save(t, full)
		got, err := readBranding(t, w.Org.ID)
		checkErr(t, err, "", "")
		wantEqual(t, got, full)
	})
	t.Run("replace, dropping the logo", func(t *testing.T) {
		plain := &esign.Branding{OrgID: w.Org.ID, DisplayName: "Acme", UpdatedAt: t0.Add(time.Second)}
		save(t, plain)
		got, err := readBranding(t, w.Org.ID)
		checkErr(t, err, "", "")
		if got.Logo != nil || got.LogoType != "" || got.DisplayName != "Acme" || got.Color != "" || !got.UpdatedAt.Equal(plain.UpdatedAt) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("unknown organization", func(t *testing.T) {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			return tx.SaveBranding(ctx, &esign.Branding{OrgID: "org_nope", UpdatedAt: t0})
		})
		if err == nil {
			t.Fatal("branding saved for an organization that does not exist")
		}
	})
}
