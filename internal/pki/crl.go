package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// CRL timing: a CRL is reissued once a day and promises the next within a week,
// so validators keep working through a few days of outage.
const (
	crlMaxAge   = 24 * time.Hour
	crlValidity = 7 * 24 * time.Hour
	crlName     = "root.crl"
	revokedDir  = "revoked/"
)

// revocation is one stored revocation record, pki/<gen>/revoked/<serial hex>.
type revocation struct {
	Serial    string    `json:"serial"` // lowercase hex
	Reason    int       `json:"reason"` // RFC 5280 CRLReason
	RevokedAt time.Time `json:"revokedAt"`
}

// CRL returns the root's current CRL in DER. The CRL is kept in the store,
// which all processes share, so a revocation made by one process is served
// by all of them at once; it is reissued when it is a day old. Its number is
// the Unix time of issue, kept strictly increasing.
func (p *PKI) CRL(ctx context.Context) ([]byte, error) {
	der, prev, err := p.storedCRL(ctx)
	if err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	now := p.now()
	if prev != nil && !now.Before(prev.ThisUpdate) && now.Sub(prev.ThisUpdate) < crlMaxAge {
		return der, nil
	}
	if der, err = p.issueCRL(ctx, prev); err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	return der, nil
}

// Revoke records that the certificate with serial, issued by the root, is
// revoked for reason (an RFC 5280 CRLReason code, e.g. 1 keyCompromise, 4
// superseded, 5 cessationOfOperation) and reissues the CRL. Revoking a
// certificate again keeps the first record.
func (p *PKI) Revoke(ctx context.Context, serial *big.Int, reason int) error {
	if serial == nil || serial.Sign() <= 0 {
		return esign.Invalid("serial", "must be a positive certificate serial number")
	}
	if reason < 0 || reason > 10 || reason == 7 {
		return esign.Invalid("reason", "must be an RFC 5280 CRLReason code (0-10, not 7)")
	}
	if err := p.recordRevocation(ctx, serial, reason); err != nil {
		return fmt.Errorf("revoke %x: %w", serial, err)
	}
	_, prev, err := p.storedCRL(ctx)
	if err == nil {
		_, err = p.issueCRL(ctx, prev)
	}
	if err != nil {
		return fmt.Errorf("revoke %x: %w", serial, err)
	}
	return nil
}

// recordRevocation stores a revocation record unless there is one already.
func (p *PKI) recordRevocation(ctx context.Context, serial *big.Int, reason int) error {
	key := p.key(revokedDir + serial.Text(16))
	_, err := p.store.Stat(ctx, key)
	if !esign.IsKind(err, esign.KindNotFound) {
		return err // nil: already revoked
	}
	rec := revocation{Serial: serial.Text(16), Reason: reason, RevokedAt: p.now().Truncate(time.Second)}
	return putJSON(ctx, p.store, key, rec)
}

// storedCRL returns the stored CRL, or nils if there is none yet or it
// cannot be read (it is then simply reissued).
func (p *PKI) storedCRL(ctx context.Context) ([]byte, *x509.RevocationList, error) {
	der, err := getBlob(ctx, p.store, p.key(crlName))
	if esign.IsKind(err, esign.KindNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil || crl.CheckSignatureFrom(p.Root()) != nil {
		return nil, nil, nil
	}
	return der, crl, nil
}

// issueCRL signs and stores a new CRL listing every stored revocation.
func (p *PKI) issueCRL(ctx context.Context, prev *x509.RevocationList) ([]byte, error) {
	entries, err := p.revocations(ctx)
	if err != nil {
		return nil, err
	}
	now := p.now().Truncate(time.Second)
	number := big.NewInt(now.Unix())
	if prev != nil && prev.Number != nil && prev.Number.Cmp(number) >= 0 {
		number.Add(prev.Number, big.NewInt(1))
	}
	tmpl := &x509.RevocationList{
		Number:                    number,
		ThisUpdate:                now,
		NextUpdate:                now.Add(crlValidity),
		RevokedCertificateEntries: entries,
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.Root(), p.root.key)
	if err != nil {
		return nil, fmt.Errorf("sign CRL: %w", err)
	}
	if err := putBlob(ctx, p.store, p.key(crlName), der); err != nil {
		return nil, err
	}
	return der, nil
}

// revocations reads every stored revocation record, ordered by serial.
func (p *PKI) revocations(ctx context.Context) ([]x509.RevocationListEntry, error) {
	var keys []string
	err := p.store.List(ctx, p.key(revokedDir), func(b esign.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list revocations: %w", err)
	}
	entries := make([]x509.RevocationListEntry, 0, len(keys))
	for _, k := range keys {
		e, err := p.revocation(ctx, k)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].SerialNumber.Cmp(entries[j].SerialNumber) < 0 })
	return entries, nil
}

// revocation reads one revocation record as a CRL entry.
func (p *PKI) revocation(ctx context.Context, key string) (x509.RevocationListEntry, error) {
	var rec revocation
	if err := getJSON(ctx, p.store, key, &rec); err != nil {
		return x509.RevocationListEntry{}, err
	}
	serial, ok := new(big.Int).SetString(strings.TrimSpace(rec.Serial), 16)
	if !ok {
		return x509.RevocationListEntry{}, fmt.Errorf("read %s: bad serial %q", key, rec.Serial)
	}
	return x509.RevocationListEntry{SerialNumber: serial, RevocationTime: rec.RevokedAt, ReasonCode: rec.Reason}, nil
}
