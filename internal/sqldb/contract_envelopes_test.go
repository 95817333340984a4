package sqldb

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func testEnvelopes(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	at := func(d time.Duration) *time.Time { return ptr(t0.Add(d)) }
	updated := *w.Envelope
	updated.Name, updated.Subject, updated.Message = "Lease v2", "Please sign", "Thanks"
	updated.Status, updated.ExpiresAt, updated.SentAt = esign.StatusCompleted, at(72*time.Hour), at(time.Hour)
	updated.CompletedAt, updated.VoidedAt, updated.VoidReason = at(2*time.Hour), at(3*time.Hour), "typo"
	updated.DeclinedAt, updated.ExpiredAt = at(4*time.Hour), at(5*time.Hour)
	updated.ResultStatus, updated.ResultError = esign.ResultFailed, "stamp failed"
	updated.AuditSeq, updated.AuditHead, updated.UpdatedAt = 7, "beef", t0.Add(6*time.Hour)
	missing := *w.Envelope
	missing.ID = "env_nope"
	final := updated
	final.Name = "Lease v2.1"

	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		want     *esign.Envelope // read back by id afterwards, if set
		wantKind esign.Kind
		wantCode string
	}{
		{"read back as created", func(ctx context.Context, tx esign.Tx) error { return nil }, w.Envelope, "", ""},
		{"duplicate id", func(ctx context.Context, tx esign.Tx) error {
			return tx.CreateEnvelope(ctx, w.Envelope)
		}, nil, esign.KindConflict, codeExists},
		{"unknown id", func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.EnvelopeByID(ctx, "env_nope")
			return err
		}, nil, esign.KindNotFound, esign.CodeNotFound},
		{"lock unknown id", func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.LockEnvelope(ctx, "env_nope")
			return err
		}, nil, esign.KindNotFound, esign.CodeNotFound},
		{"update writes every mutable column", func(ctx context.Context, tx esign.Tx) error {
			return tx.UpdateEnvelope(ctx, &updated)
		}, &updated, "", ""},
		{"lock reads the same as get", func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.LockEnvelope(ctx, w.Envelope.ID)
			wantEqual(t, got, &updated)
			return err
		}, nil, "", ""},
		{"update unknown id", func(ctx context.Context, tx esign.Tx) error {
			return tx.UpdateEnvelope(ctx, &missing)
		}, nil, esign.KindNotFound, esign.CodeNotFound},
		// UpdateEnvelope defers its write (deferredWrites): what the
		// transaction reads afterwards and what commits must not show it.
		{"the last of several updates counts, and is read back in the transaction", func(ctx context.Context, tx esign.Tx) error {
			for seq := range 3 {
				final.AuditSeq = int64(10 + seq)
				if err := tx.UpdateEnvelope(ctx, &final); err != nil {
					return err
				}
			}
			got, err := tx.EnvelopeByID(ctx, final.ID)
			wantEqual(t, got, &final)
			final.Name = "Lease v3"
			if err := tx.UpdateEnvelope(ctx, &final); err != nil {
				return err
			}
			list, err := tx.ListEnvelopes(ctx, esign.EnvelopeFilter{OrgID: final.OrgID})
			if len(list) != 1 || list[0].Name != "Lease v3" {
				t.Errorf("listed %v, want the envelope named Lease v3", list)
			}
			return err
		}, &final, "", ""},
		{"an update in a transaction that fails is not written", func(ctx context.Context, tx esign.Tx) error {
			changed := final
			changed.Name = "never"
			if err := tx.UpdateEnvelope(ctx, &changed); err != nil {
				return err
			}
			return esign.Invalid("name", "is refused")
		}, &final, esign.KindInvalid, esign.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, tt.wantCode)
			if tt.want == nil {
				return
			}
			view(t, db, func(ctx context.Context, tx esign.Tx) error {
				got, err := tx.EnvelopeByID(ctx, tt.want.ID)
				wantEqual(t, got, tt.want)
				return err
			})
		})
	}
}

// testListEnvelopes builds two organizations' envelopes, several created in
// the same microsecond, and lists them every way the filter allows.
func testListEnvelopes(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	a, b := newWorld(t, db), newWorld(t, db)
	mk := func(w *world, id string, created time.Duration, st esign.EnvelopeStatus, expires *time.Duration) *esign.Envelope {
		e := &esign.Envelope{ID: id, OrgID: w.Org.ID, OwnerID: w.User.ID, Name: id, Status: st,
			CreatedAt: t0.Add(created), UpdatedAt: t0.Add(created)}
		if expires != nil {
			e.ExpiresAt = ptr(t0.Add(*expires))
		}
		return e
	}
	day := 24 * time.Hour
	soon, later := ptr(2*day), ptr(9*day)
	envs := []*esign.Envelope{
		mk(a, "env_a1", time.Hour, esign.StatusSent, soon),
		mk(a, "env_a2", 2*time.Hour, esign.StatusDraft, nil),
		mk(a, "env_a3", 2*time.Hour, esign.StatusSent, later),
		mk(a, "env_a4", 2*time.Hour, esign.StatusDelivered, soon),
		mk(a, "env_a5", 2*time.Hour, esign.StatusCompleted, soon),
		mk(a, "env_a6", 3*time.Hour, esign.StatusDraft, nil),
		mk(b, "env_b1", 2*time.Hour, esign.StatusSent, soon),
	}
	createEnvelopes(t, db, envs)
	aAll := []string{"env_a6", "env_a5", "env_a4", "env_a3", "env_a2", "env_a1", a.Envelope.ID}
	checkListings(t, db, []listCase{
		{"organization, newest first, id breaks ties", esign.EnvelopeFilter{OrgID: a.Org.ID}, aAll},
		{"limit", esign.EnvelopeFilter{OrgID: a.Org.ID, Limit: 2}, aAll[:2]},
		{"status", esign.EnvelopeFilter{OrgID: a.Org.ID, Status: esign.StatusSent}, []string{"env_a3", "env_a1"}},
		{"cursor inside a run of equal times", esign.EnvelopeFilter{OrgID: a.Org.ID, BeforeCreatedAt: t0.Add(2 * time.Hour), BeforeID: "env_a4"},
			[]string{"env_a3", "env_a2", "env_a1", a.Envelope.ID}},
		{"cursor with status", esign.EnvelopeFilter{OrgID: a.Org.ID, Status: esign.StatusDraft, BeforeCreatedAt: t0.Add(3 * time.Hour), BeforeID: "env_a6"},
			[]string{"env_a2", a.Envelope.ID}},
		{"other organization", esign.EnvelopeFilter{OrgID: b.Org.ID}, []string{"env_b1", b.Envelope.ID}},
		{"unknown organization", esign.EnvelopeFilter{OrgID: "org_nope"}, []string{}},
		{"all organizations", esign.EnvelopeFilter{AllOrgs: true, Limit: 3}, []string{"env_a6", "env_b1", "env_a5"}},
		{"expiring: sent or delivered, due at or before", esign.EnvelopeFilter{AllOrgs: true, ExpiresBefore: ptr(t0.Add(2 * day))},
			[]string{"env_b1", "env_a4", "env_a1"}},
		{"expiring: none due yet", esign.EnvelopeFilter{AllOrgs: true, ExpiresBefore: ptr(t0.Add(2*day - time.Microsecond))}, []string{}},
	})
	t.Run("organization required", func(t *testing.T) {
		err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.ListEnvelopes(ctx, esign.EnvelopeFilter{})
			return err
		})
		if err == nil {
			t.Fatal("listing without an organization succeeded")
		}
	})
	t.Run("paging with the cursor visits every envelope once", func(t *testing.T) {
		for _, size := range []int{1, 2, 3, 7, 8} {
			wantEqual(t, pageThrough(t, db, a.Org.ID, size), aAll)
		}
	})
}

func envelopeIDs(es []*esign.Envelope) []string {
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// pageThrough lists the organization's envelopes size at a time, the way
// the Service pages, and returns the ids in the order seen.
func pageThrough(t *testing.T, db *DB, orgID string, size int) []string {
	t.Helper()
	f := esign.EnvelopeFilter{OrgID: orgID, Limit: size}
	ids := []string{}
	for range 100 {
		var page []*esign.Envelope
		view(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			page, err = tx.ListEnvelopes(ctx, f)
			return err
		})
		ids = append(ids, envelopeIDs(page)...)
		if len(page) < size {
			return ids
		}
		last := page[len(page)-1]
		f.BeforeCreatedAt, f.BeforeID = last.CreatedAt, last.ID
	}
	t.Fatalf("paging by %d did not end", size)
	return nil
}

func testDocuments(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	first := &esign.Document{ID: "doc_z_first", EnvelopeID: w.Envelope.ID, Name: "a.pdf", Position: 0,
		Pages: []esign.PageInfo{{Width: 595.28, Height: 841.89}, {Width: 842, Height: 595}}, Size: 9, SHA256: "s", BlobKey: "k", CreatedAt: t0}
	tie := &esign.Document{ID: "doc_a_tie", EnvelopeID: w.Envelope.ID, Name: "b.pdf", Position: 1, Size: 1, SHA256: "s", BlobKey: "k", CreatedAt: t0}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateDocument(ctx, first); err != nil {
			return err
		}
		return tx.CreateDocument(ctx, tie)
	})
	result := *w.Document
	result.Name, result.ResultKey, result.ResultSHA256, result.ResultSize = "signed.pdf", "results/x", "rs", 4321
	missing := result
	missing.ID = "doc_nope"
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		want     []*esign.Document
		wantKind esign.Kind
	}{
		{"by position, then creation", func(ctx context.Context, tx esign.Tx) error { return nil },
			[]*esign.Document{first, w.Document, tie}, ""},
		{"update stores the result", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateDocument(ctx, &result) },
			[]*esign.Document{first, &result, tie}, ""},
		{"update unknown document", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateDocument(ctx, &missing) },
			nil, esign.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
			if tt.want != nil {
				view(t, db, func(ctx context.Context, tx esign.Tx) error {
					got, err := tx.DocumentsByEnvelope(ctx, w.Envelope.ID)
					wantEqual(t, got, tt.want)
					return err
				})
			}
		})
	}
}

func testRecipients(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	// Created in the same microsecond with ids in reverse order: only the
	// insertion order can tell them apart.
	var rs []*esign.Recipient
	for i, order := range []int{2, 1, 2, 1} {
		r := *w.Recipient
		r.ID, r.RoutingOrder, r.Email = fmt.Sprintf("rcp_%d", 9-i), order, fmt.Sprintf("r%d@example.com", i)
		rs = append(rs, &r)
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, r := range rs {
			if err := tx.CreateRecipient(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	done := *rs[0]
	done.Name, done.Email, done.Role, done.RoutingOrder, done.Status = "Dora", "dora@example.com", esign.RoleApprover, 3, esign.RecipientDeclined
	done.SentAt, done.DeliveredAt, done.CompletedAt, done.DeclinedAt = ptr(t0), ptr(t0.Add(time.Second)), nil, ptr(t0.Add(time.Minute))
	done.DeclineReason, done.SignIP, done.SignUserAgent = "no", "192.0.2.1", "curl"
	done.Embedded = true // a draft's recipient can become embedded
	missing := done
	missing.ID = "rcp_nope"
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		want     []*esign.Recipient
		wantKind esign.Kind
	}{
		{"by routing order, then creation", func(ctx context.Context, tx esign.Tx) error { return nil },
			[]*esign.Recipient{w.Recipient, rs[1], rs[3], rs[0], rs[2]}, ""},
		{"update writes every mutable column", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateRecipient(ctx, &done) },
			[]*esign.Recipient{w.Recipient, rs[1], rs[3], rs[2], &done}, ""},
		{"update unknown recipient", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateRecipient(ctx, &missing) },
			nil, esign.KindNotFound},
		{"duplicate id", func(ctx context.Context, tx esign.Tx) error { return tx.CreateRecipient(ctx, rs[0]) },
			nil, esign.KindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
			if tt.want != nil {
				view(t, db, func(ctx context.Context, tx esign.Tx) error {
					got, err := tx.RecipientsByEnvelope(ctx, w.Envelope.ID)
					wantEqual(t, got, tt.want)
					return err
				})
			}
		})
	}
}

func testFields(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w, other := newWorld(t, db), newWorld(t, db)
	var fs []*esign.Field
	for i := range 5 {
		f := w.field(fmt.Sprintf("fld_%d", 9-i))
		f.Required = i%2 == 0
		fs = append(fs, f)
	}
	fs[4].Type, fs[4].Value, fs[4].FilledAt = esign.FieldText, "hello", ptr(t0)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, f := range append(slices.Clone(fs), other.field("fld_other")) {
			if err := tx.CreateField(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	filled := *fs[1]
	filled.Value, filled.SignatureID, filled.FilledAt, filled.X, filled.Height = "", "sig_1", ptr(t0.Add(time.Minute)), 0.125, 44.5
	tests := []struct {
		name     string
		run      func(ctx context.Context, tx esign.Tx) error
		want     []*esign.Field
		wantKind esign.Kind
	}{
		{"in creation order, only the envelope's", func(ctx context.Context, tx esign.Tx) error { return nil }, fs, ""},
		{"update writes every mutable column", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateField(ctx, &filled) },
			[]*esign.Field{fs[0], &filled, fs[2], fs[3], fs[4]}, ""},
		{"update unknown field", func(ctx context.Context, tx esign.Tx) error { return tx.UpdateField(ctx, w.field("fld_nope")) },
			nil, esign.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, db.InTx(context.Background(), tt.run), tt.wantKind, "")
			if tt.want != nil {
				view(t, db, func(ctx context.Context, tx esign.Tx) error {
					got, err := tx.FieldsByEnvelope(ctx, w.Envelope.ID)
					wantEqual(t, got, tt.want)
					return err
				})
			}
		})
	}
	t.Run("empty list is empty, not nil", func(t *testing.T) {
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.FieldsByEnvelope(ctx, "env_nope")
			if got == nil || len(got) != 0 {
				t.Errorf("got %#v, want an empty slice", got)
			}
			return err
		})
	})
	t.Run("field on a document that does not exist", func(t *testing.T) {
		err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
			f := w.field("fld_orphan")
			f.DocumentID = "doc_nope"
			return tx.CreateField(ctx, f)
		})
		if err == nil || esign.ErrorKind(err) != esign.KindInternal {
			t.Fatalf("err = %v, want a foreign key failure", err)
		}
	})
}
