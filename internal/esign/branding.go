package esign

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Branding is how an organization's emails look: the name they come from
// ("Acme via GSign"), the colour of their buttons, the logo at their top,
// and where replies go. Every field is optional; the zero value is GSign's
// own look.
type Branding struct {
	OrgID       string
	DisplayName string
	Color       string // "#rrggbb", lowercase
	ReplyTo     string
	Logo        []byte // PNG or JPEG, at most MaxLogoBytes
	LogoType    string // image/png or image/jpeg; empty without a logo
	UpdatedAt   time.Time
}

// BrandingTx persists organizations' branding.
type BrandingTx interface {
	// BrandingByOrg returns the organization's branding, KindNotFound when
	// it has none.
	BrandingByOrg(ctx context.Context, orgID string) (*Branding, error)
	// SaveBranding inserts or replaces the organization's branding.
	SaveBranding(ctx context.Context, b *Branding) error
}

// Limits of branding input. A logo travels inside every email, so it is
// kept small.
const (
	MaxLogoBytes       = 256 << 10
	MaxLogoSide        = 1024
	maxDisplayNameLen  = 100
	defaultButtonColor = "#1a2b6d"
)

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// BrandingInput is the editable text of a Branding; an empty field clears it.
type BrandingInput struct {
	DisplayName string
	Color       string
	ReplyTo     string
}

func (in *BrandingInput) validate() error {
	in.DisplayName = strings.TrimSpace(CleanText(in.DisplayName))
	switch {
	case utf8.RuneCountInString(in.DisplayName) > maxDisplayNameLen:
		return Invalid("display_name", "is too long (at most 100 characters)")
	case strings.IndexFunc(in.DisplayName, unicode.IsControl) >= 0:
		return Invalid("display_name", "must not contain control characters")
	}
	in.Color = strings.ToLower(strings.TrimSpace(in.Color))
	if in.Color != "" && !colorRE.MatchString(in.Color) {
		return Invalid("color", `must be a colour such as "#1a2b6d"`)
	}
	in.ReplyTo = strings.TrimSpace(in.ReplyTo)
	if in.ReplyTo != "" {
		var err error
		if in.ReplyTo, err = normalizeEmail("reply_to", in.ReplyTo); err != nil {
			return err
		}
	}
	return nil
}

// loadBranding returns the organization's branding, or an empty one.
func loadBranding(ctx context.Context, tx Tx, orgID string) (*Branding, error) {
	b, err := tx.BrandingByOrg(ctx, orgID)
	if IsKind(err, KindNotFound) {
		return defaultBranding(orgID), nil
	}
	return b, err
}

// defaultBranding is the branding of an organization that has set none.
func defaultBranding(orgID string) *Branding { return &Branding{OrgID: orgID} }

// GetBranding returns the caller's organization's branding.
func (s *Service) GetBranding(ctx context.Context, p *Principal) (*Branding, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	var b *Branding
	err := s.Store.View(ctx, func(ctx context.Context, tx Tx) (err error) {
		b, err = loadBranding(ctx, tx, p.OrgID)
		return err
	})
	return b, err
}

// UpdateBranding replaces the text of the caller's organization's branding,
// keeping its logo.
func (s *Service) UpdateBranding(ctx context.Context, p *Principal, in BrandingInput) (*Branding, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.editBranding(ctx, p, func(b *Branding) {
		b.DisplayName, b.Color, b.ReplyTo = in.DisplayName, in.Color, in.ReplyTo
	})
}

// SetBrandingLogo sets the organization's logo: a PNG or JPEG of at most
// MaxLogoBytes and MaxLogoSide pixels a side, decoded in full so that a file
// that only looks like an image is refused.
func (s *Service) SetBrandingLogo(ctx context.Context, p *Principal, data []byte) (*Branding, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	ctype, err := checkLogo(data)
	if err != nil {
		return nil, err
	}
	return s.editBranding(ctx, p, func(b *Branding) { b.Logo, b.LogoType = data, ctype })
}

// DeleteBrandingLogo removes the organization's logo.
func (s *Service) DeleteBrandingLogo(ctx context.Context, p *Principal) (*Branding, error) {
	return s.editBranding(ctx, p, func(b *Branding) { b.Logo, b.LogoType = nil, "" })
}

// PreviewBrandedMail renders a kind of email with sample content in the
// caller's organization's branding, so an owner sees the result before
// any real email goes out.
func (s *Service) PreviewBrandedMail(ctx context.Context, p *Principal, kind string) (*Email, error) {
	b, err := s.GetBranding(ctx, p)
	if err != nil {
		return nil, err
	}
	if _, ok := mailSubjects[kind]; !ok {
		return nil, Invalid("kind", "must be one of "+strings.Join(MailKinds(), ", "))
	}
	return PreviewMail(kind, b)
}

func (s *Service) editBranding(ctx context.Context, p *Principal, edit func(*Branding)) (*Branding, error) {
	if err := p.Require(PermOrgSettings); err != nil {
		return nil, err
	}
	var b *Branding
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) (err error) {
		if b, err = loadBranding(ctx, tx, p.OrgID); err != nil {
			return err
		}
		edit(b)
		b.UpdatedAt = tx.Now()
		return tx.SaveBranding(ctx, b)
	})
	return b, err
}

// checkLogo returns the media type of a usable logo.
func checkLogo(data []byte) (string, error) {
	if len(data) > MaxLogoBytes {
		return "", Errorf(KindTooLarge, CodeTooLarge, "the logo is larger than %d KiB", MaxLogoBytes>>10)
	}
	var decode func([]byte) (image.Config, error)
	ctype := ""
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ctype, decode = "image/png", decodeImage(png.DecodeConfig, png.Decode)
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		ctype, decode = "image/jpeg", decodeImage(jpeg.DecodeConfig, jpeg.Decode)
	default:
		return "", Errorf(KindInvalid, CodeInvalidImage, "the logo must be a PNG or JPEG image")
	}
	cfg, err := decode(data)
	if err != nil {
		return "", Errorf(KindInvalid, CodeInvalidImage, "the logo is not a readable %s image", strings.TrimPrefix(ctype, "image/"))
	}
	if cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", Errorf(KindInvalid, CodeInvalidImage, "the logo is %dx%d pixels; at most %d a side", cfg.Width, cfg.Height, MaxLogoSide)
	}
	return ctype, nil
}

// decodeImage checks the size in the header before decoding the pixels, so
// a small file that claims a huge image is refused without allocating it.
func decodeImage(config func(r io.Reader) (image.Config, error), full func(r io.Reader) (image.Image, error)) func([]byte) (image.Config, error) {
	return func(data []byte) (image.Config, error) {
		cfg, err := config(bytes.NewReader(data))
		if err != nil || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
			return cfg, err
		}
		_, err = full(bytes.NewReader(data))
		return cfg, err
	}
}
