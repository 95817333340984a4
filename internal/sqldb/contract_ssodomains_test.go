package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func claimSSODomain(ctx context.Context, tx esign.Tx, w *world, domain, token string) error {
	return tx.CreateSSODomain(ctx, &esign.SSODomain{Domain: domain, OrgID: w.Org.ID, Token: token, CreatedAt: t0})
}

// testSSODomains: two organizations claim one domain, each with its own
// token; once one verifies it the other cannot, and its claim stays
// unverified; releasing the verified claim frees the domain.
func testSSODomains(t *testing.T, db *DB, w, other *world) {
	ctx := context.Background()
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(claimSSODomain(ctx, tx, w, "acme.example", "tok1"), claimSSODomain(ctx, tx, w, "a.acme.example", "tok2"),
			claimSSODomain(ctx, tx, other, "other.example", "tok3"), claimSSODomain(ctx, tx, other, "acme.example", "tok-o"))
	})
	err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		return claimSSODomain(ctx, tx, w, "acme.example", "again")
	})
	wantErr(t, err, esign.KindConflict, esign.CodeAlreadyExists)
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.VerifiedSSODomain(ctx, "acme.example")
		wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		return nil
	})

	at := t0.Add(3 * time.Minute)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.MarkSSODomainVerified(ctx, w.Org.ID, "acme.example", at)
	})
	err = db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		return tx.MarkSSODomainVerified(ctx, other.Org.ID, "acme.example", at.Add(time.Minute))
	})
	wantErr(t, err, esign.KindConflict, esign.CodeSSODomainTaken)
	// Verifying one's own verified claim again is no conflict.
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.MarkSSODomainVerified(ctx, w.Org.ID, "acme.example", at)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error { checkSSOClaims(t, ctx, tx, w, other, at); return nil })

	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.DeleteSSODomain(ctx, w.Org.ID, "acme.example") })
	later := at.Add(time.Hour)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return tx.MarkSSODomainVerified(ctx, other.Org.ID, "acme.example", later)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		d, err := tx.VerifiedSSODomain(ctx, "acme.example")
		if err != nil || d.OrgID != other.Org.ID || d.Token != "tok-o" || !d.VerifiedAt.Equal(later) {
			t.Fatalf("after the release, the verified claim is %+v, %v", d, err)
		}
		return nil
	})
	testSSODomainsNotFound(t, db, w, other)
}

// checkSSOClaims: w verified acme.example at at; other's claim on it
// stays as it was.
func checkSSOClaims(t *testing.T, ctx context.Context, tx esign.Tx, w, other *world, at time.Time) {
	t.Helper()
	ds, err := tx.SSODomainsByOrg(ctx, w.Org.ID)
	checkErr(t, err, "", "")
	if len(ds) != 2 || ds[0].Domain != "a.acme.example" || ds[0].VerifiedAt != nil || ds[1].VerifiedAt == nil || !ds[1].VerifiedAt.Equal(at) {
		t.Fatalf("domains %+v", ds)
	}
	d, err := tx.VerifiedSSODomain(ctx, "acme.example")
	if err != nil || d.OrgID != w.Org.ID || d.Token != "tok1" {
		t.Fatalf("verified claim %+v, %v", d, err)
	}
	d, err = tx.SSODomainClaim(ctx, other.Org.ID, "acme.example")
	if err != nil || d.VerifiedAt != nil || d.Token != "tok-o" {
		t.Fatalf("the other organization's claim %+v, %v", d, err)
	}
	_, err = tx.SSODomainClaim(ctx, other.Org.ID, "a.acme.example")
	wantErr(t, err, esign.KindNotFound, esign.CodeNotFound)
}

// testSSODomainsNotFound: deleting or verifying a claim the organization
// does not hold is NotFound, whoever else claims the domain.
func testSSODomainsNotFound(t *testing.T, db *DB, w, other *world) {
	ctx := context.Background()
	for name, fn := range map[string]func(ctx context.Context, tx esign.Tx) error{
		"delete a released claim": func(ctx context.Context, tx esign.Tx) error { return tx.DeleteSSODomain(ctx, w.Org.ID, "acme.example") },
		"delete another's claim": func(ctx context.Context, tx esign.Tx) error {
			return tx.DeleteSSODomain(ctx, w.Org.ID, "other.example")
		},
		"verify another's claim": func(ctx context.Context, tx esign.Tx) error {
			return tx.MarkSSODomainVerified(ctx, other.Org.ID, "a.acme.example", t0)
		},
		"verify no claim": func(ctx context.Context, tx esign.Tx) error {
			return tx.MarkSSODomainVerified(ctx, w.Org.ID, "nope.example", t0)
		},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, db.InTx(ctx, fn), esign.KindNotFound, esign.CodeNotFound) })
	}
}

// testSSOVerifyRace: organizations that all claim one domain verify it at
// once; exactly one wins, the others get sso_domain_taken.
func testSSOVerifyRace(t *testing.T, db *DB) {
	const n = 6
	orgs := make([]*world, n)
	for i := range orgs {
		orgs[i] = newWorld(t, db)
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			return claimSSODomain(ctx, tx, orgs[i], "race.example", fmt.Sprint("tok", i))
		})
	}
	var next atomic.Int64
	won := race(t, n, func() (bool, error) {
		w := orgs[next.Add(1)-1]
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			return tx.MarkSSODomainVerified(ctx, w.Org.ID, "race.example", t0)
		})
		if esign.ErrorCode(err) == esign.CodeSSODomainTaken {
			return false, nil
		}
		return err == nil, err
	})
	if won != 1 {
		t.Fatalf("%d of %d simultaneous verifications won, want 1", won, n)
	}
	verified := 0
	for _, w := range orgs {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			d, err := tx.SSODomainClaim(ctx, w.Org.ID, "race.example")
			if err == nil && d.VerifiedAt != nil {
				verified++
			}
			return err
		})
	}
	if verified != 1 {
		t.Fatalf("%d claims are verified, want 1", verified)
	}
}

// TestPostgresSSOVerifyAfterBothChecked: two transactions both see the
// domain unverified, then both mark their claims verified. The second
// UPDATE waits on the first's uncommitted index entry and, once that
// commits, fails with a unique violation: 409 sso_domain_taken, not a
// second verified claim.
func TestPostgresSSOVerifyAfterBothChecked(t *testing.T) {
	db := openPostgresTest(t)
	a, b := newWorld(t, db), newWorld(t, db)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(claimSSODomain(ctx, tx, a, "both.example", "ta"), claimSSODomain(ctx, tx, b, "both.example", "tb"))
	})
	var bothChecked sync.WaitGroup
	bothChecked.Add(2)
	orgs := []*world{a, b}
	var next atomic.Int64
	won := race(t, 2, func() (bool, error) {
		w, first := orgs[next.Add(1)-1], true
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			if _, err := tx.VerifiedSSODomain(ctx, "both.example"); !esign.IsKind(err, esign.KindNotFound) {
				return fmt.Errorf("before marking: %v", err)
			}
			if first {
				first = false
				bothChecked.Done()
				bothChecked.Wait()
			}
			return tx.MarkSSODomainVerified(ctx, w.Org.ID, "both.example", t0)
		})
		if esign.ErrorCode(err) == esign.CodeSSODomainTaken {
			return false, nil
		}
		return err == nil, err
	})
	if won != 1 {
		t.Fatalf("%d of 2 verifications won, want 1", won)
	}
}
