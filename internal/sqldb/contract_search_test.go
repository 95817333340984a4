package sqldb

import (
	"context"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// testSearchEnvelopes: the listing's search finds text in the name or the
// subject, ignores ASCII case, takes % and _ literally, stays inside the
// organization, and combines with status and the cursor.
func testSearchEnvelopes(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	a, b := newWorld(t, db), newWorld(t, db) // each has a draft named "Lease"
	mk := func(w *world, id, name, subject string, created time.Duration, st esign.EnvelopeStatus) *esign.Envelope {
		return &esign.Envelope{ID: id, OrgID: w.Org.ID, OwnerID: w.User.ID, Name: name, Subject: subject, Status: st,
			CreatedAt: t0.Add(created), UpdatedAt: t0.Add(created)}
	}
	envs := []*esign.Envelope{
		mk(a, "env_s1", "Office LEASE 2026", "", time.Hour, esign.StatusSent),
		mk(a, "env_s2", "NDA", "Please sign the lease annex", 2*time.Hour, esign.StatusDraft),
		mk(a, "env_s3", "100% done_deal", "", 3*time.Hour, esign.StatusDraft),
		mk(a, "env_s4", "1000 done deal", `back\slash`, 4*time.Hour, esign.StatusDraft),
		mk(b, "env_s5", "lease of b", "", time.Hour, esign.StatusDraft),
	}
	createEnvelopes(t, db, envs)
	checkListings(t, db, []listCase{
		{"name or subject, any ASCII case", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "lease"}, []string{"env_s2", "env_s1", a.Envelope.ID}},
		{"upper case search", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "ANNEX"}, []string{"env_s2"}},
		{"percent is literal", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "0%"}, []string{"env_s3"}},
		{"underscore is literal", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "done_"}, []string{"env_s3"}},
		{"backslash is literal", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: `k\s`}, []string{"env_s4"}},
		{"with status", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "lease", Status: esign.StatusDraft}, []string{"env_s2", a.Envelope.ID}},
		{"with cursor", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "lease", BeforeCreatedAt: t0.Add(2 * time.Hour), BeforeID: "env_s2"},
			[]string{"env_s1", a.Envelope.ID}},
		{"other organization", esign.EnvelopeFilter{OrgID: b.Org.ID, Search: "lease"}, []string{"env_s5", b.Envelope.ID}},
		{"no match", esign.EnvelopeFilter{OrgID: a.Org.ID, Search: "zzz"}, []string{}},
	})
}

// listCase is a listing and the envelope ids it must return, in order.
type listCase struct {
	name string
	f    esign.EnvelopeFilter
	want []string
}

func checkListings(t *testing.T, db *DB, tests []listCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.ListEnvelopes(ctx, tt.f)
				wantEqual(t, envelopeIDs(got), tt.want)
				return err
			})
		})
	}
}

func createEnvelopes(t *testing.T, db *DB, envs []*esign.Envelope) {
	t.Helper()
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, e := range envs {
			if err := tx.CreateEnvelope(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
