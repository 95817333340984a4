package sqldb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

func newEndpoint(w *world, id string, at time.Time) *esign.WebhookEndpoint {
	return &esign.WebhookEndpoint{ID: id, OrgID: w.Org.ID, URL: "https://hooks.example.com/" + id, Description: "CRM",
		Events: []esign.EventType{esign.EventEnvelopeCompleted, esign.EventEnvelopeSent}, Enabled: true,
		Secret: "whsec_" + id, CreatedAt: at, UpdatedAt: at}
}

func testWebhookEndpoints(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w, other := newWorld(t, db), newWorld(t, db)
	first, second := newEndpoint(w, "whe_"+w.Org.ID+"_1", t0), newEndpoint(w, "whe_"+w.Org.ID+"_2", t0.Add(time.Second))
	foreign := newEndpoint(other, "whe_"+other.Org.ID, t0)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, ep := range []*esign.WebhookEndpoint{second, first, foreign} {
			if err := tx.CreateWebhookEndpoint(ctx, ep); err != nil {
				return err
			}
		}
		return nil
	})
	checkErr(t, db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.CreateWebhookEndpoint(ctx, first)
	}), esign.KindConflict, codeExists)

	updated := *first
	until := t0.Add(24 * time.Hour)
	updated.URL, updated.Description, updated.Events = "https://new.example.com/", "", []esign.EventType{esign.EventRecipientSigned}
	updated.Enabled, updated.DisabledReason, updated.Secret = false, "410", "whsec_new"
	updated.PrevSecret, updated.PrevSecretUntil, updated.UpdatedAt = first.Secret, &until, t0.Add(time.Hour)
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.UpdateWebhookEndpoint(ctx, &updated) })
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.WebhookEndpointByID(ctx, first.ID)
		wantEqual(t, got, &updated)
		list, err2 := tx.WebhookEndpointsByOrg(ctx, w.Org.ID)
		wantEqual(t, list, []*esign.WebhookEndpoint{&updated, second})
		_, err3 := tx.WebhookEndpointByID(ctx, "whe_nope")
		checkErr(t, err3, esign.KindNotFound, esign.CodeNotFound)
		none, err4 := tx.WebhookEndpointsByOrg(ctx, "org_none")
		wantEqual(t, none, []*esign.WebhookEndpoint{})
		if err == nil {
			err = err2
		}
		if err == nil {
			err = err4
		}
		return err
	})
	missing := *first
	missing.ID = "whe_nope"
	checkErr(t, db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.UpdateWebhookEndpoint(ctx, &missing)
	}), esign.KindNotFound, esign.CodeNotFound)
	checkErr(t, db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		return tx.DeleteWebhookEndpoint(ctx, "whe_nope")
	}), esign.KindNotFound, esign.CodeNotFound)
}

func testWebhookDeliveries(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w := newWorld(t, db)
	ep, ep2 := newEndpoint(w, "whe_d1_"+w.Org.ID, t0), newEndpoint(w, "whe_d2_"+w.Org.ID, t0)
	var ds []*esign.WebhookDelivery
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		if err := tx.CreateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		if err := tx.CreateWebhookEndpoint(ctx, ep2); err != nil {
			return err
		}
		for i := range 5 {
			at := t0.Add(time.Duration(i/2) * time.Second) // pairs share a created_at
			d := &esign.WebhookDelivery{ID: fmt.Sprintf("msg_%s_%d", w.Org.ID, i), OrgID: w.Org.ID, EndpointID: ep.ID,
				EventType: esign.EventEnvelopeSent, EnvelopeID: w.Envelope.ID, Payload: []byte(`{"type":"envelope.sent"}`),
				Status: esign.DeliveryPending, NextAttemptAt: &at, CreatedAt: at, UpdatedAt: at}
			ds = append(ds, d)
			if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
				return err
			}
		}
		other := *ds[0]
		other.ID, other.EndpointID = "msg_other_"+w.Org.ID, ep2.ID
		return tx.CreateWebhookDelivery(ctx, &other)
	})
	d := ds[0]
	d.Status, d.Attempts, d.Replays, d.NextAttemptAt, d.UpdatedAt = esign.DeliveryDead, 10, 1, nil, t0.Add(time.Hour)
	attempts := []*esign.WebhookAttempt{
		{ID: "wha_b", DeliveryID: d.ID, EndpointID: ep.ID, AttemptedAt: t0.Add(2 * time.Second), StatusCode: 0, Duration: 10 * time.Second, Error: "timeout"},
		{ID: "wha_a", DeliveryID: d.ID, EndpointID: ep.ID, AttemptedAt: t0, StatusCode: 500, Duration: 1500 * time.Microsecond, Response: "oops"},
		{ID: "wha_c", DeliveryID: ds[1].ID, EndpointID: ep.ID, AttemptedAt: t0, StatusCode: 204},
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for _, a := range attempts {
			if err := tx.AddWebhookAttempt(ctx, a); err != nil {
				return err
			}
		}
		return tx.UpdateWebhookDelivery(ctx, d)
	})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.WebhookDeliveryByID(ctx, d.ID)
		wantEqual(t, got, d)
		as, _ := tx.WebhookAttempts(ctx, []string{d.ID, ds[1].ID})
		wantEqual(t, as, []*esign.WebhookAttempt{attempts[1], attempts[2], attempts[0]})
		none, _ := tx.WebhookAttempts(ctx, nil)
		wantEqual(t, none, []*esign.WebhookAttempt{})
		return err
	})
	// Paging two at a time, newest first, through pairs that share a time.
	var seen []string
	f := esign.DeliveryFilter{EndpointID: ep.ID, Limit: 2}
	for {
		var page []*esign.WebhookDelivery
		view(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
			page, err = tx.WebhookDeliveries(ctx, f)
			return err
		})
		for _, p := range page {
			seen = append(seen, p.ID)
		}
		if len(page) < f.Limit {
			break
		}
		f.BeforeCreatedAt, f.BeforeID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	wantEqual(t, seen, []string{ds[4].ID, ds[3].ID, ds[2].ID, ds[1].ID, ds[0].ID})

	// Deleting the endpoint takes its deliveries and their attempts along.
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error { return tx.DeleteWebhookEndpoint(ctx, ep.ID) })
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.WebhookDeliveryByID(ctx, d.ID)
		checkErr(t, err, esign.KindNotFound, esign.CodeNotFound)
		as, err := tx.WebhookAttempts(ctx, []string{d.ID})
		wantEqual(t, as, []*esign.WebhookAttempt{})
		_, err2 := tx.WebhookDeliveryByID(ctx, "msg_other_"+w.Org.ID)
		if err == nil {
			err = err2
		}
		return err
	})
}

func testNotifications(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	w, other := newWorld(t, db), newWorld(t, db)
	var ns []*esign.Notification
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		for i := range 4 {
			at := t0.Add(time.Duration(i/2) * time.Minute)
			n := &esign.Notification{ID: fmt.Sprintf("ntf_%s_%d", w.Org.ID, i), OrgID: w.Org.ID, UserID: w.User.ID,
				Type: esign.EventRecipientSigned, EnvelopeID: w.Envelope.ID, RecipientID: w.Recipient.ID, Message: "Rita signed", CreatedAt: at}
			ns = append(ns, n)
			if err := tx.CreateNotification(ctx, n); err != nil {
				return err
			}
		}
		return tx.CreateNotification(ctx, &esign.Notification{ID: "ntf_x_" + other.Org.ID, OrgID: other.Org.ID, UserID: other.User.ID,
			Type: esign.EventEnvelopeVoided, EnvelopeID: other.Envelope.ID, Message: "voided", CreatedAt: t0})
	})
	list := func(f esign.NotificationFilter) []string {
		var ids []string
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			got, err := tx.ListNotifications(ctx, f)
			for _, n := range got {
				ids = append(ids, n.ID)
			}
			return err
		})
		return ids
	}
	wantEqual(t, list(esign.NotificationFilter{UserID: w.User.ID}), []string{ns[3].ID, ns[2].ID, ns[1].ID, ns[0].ID})
	wantEqual(t, list(esign.NotificationFilter{UserID: w.User.ID, Limit: 2, BeforeCreatedAt: ns[2].CreatedAt, BeforeID: ns[2].ID}), []string{ns[1].ID, ns[0].ID})

	read := t0.Add(time.Hour)
	var changed [3]int64
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		if changed[0], err = tx.MarkNotificationsRead(ctx, w.User.ID, ns[1].ID, read); err != nil {
			return err
		}
		if changed[1], err = tx.MarkNotificationsRead(ctx, other.User.ID, ns[2].ID, read); err != nil { // not theirs
			return err
		}
		changed[2], err = tx.MarkNotificationsRead(ctx, w.User.ID, ns[1].ID, read.Add(time.Hour)) // already read
		return err
	})
	wantEqual(t, changed, [3]int64{1, 0, 0})
	wantEqual(t, list(esign.NotificationFilter{UserID: w.User.ID, UnreadOnly: true}), []string{ns[3].ID, ns[2].ID, ns[0].ID})
	view(t, db, func(ctx context.Context, tx esign.Tx) error {
		got, err := tx.NotificationByID(ctx, ns[1].ID)
		want := *ns[1]
		want.ReadAt = &read
		wantEqual(t, got, &want)
		_, err2 := tx.NotificationByID(ctx, "ntf_nope")
		checkErr(t, err2, esign.KindNotFound, esign.CodeNotFound)
		return err
	})
	var all int64
	inTx(t, db, func(ctx context.Context, tx esign.Tx) (err error) {
		all, err = tx.MarkNotificationsRead(ctx, w.User.ID, "", read)
		return err
	})
	wantEqual(t, all, int64(3))
	wantEqual(t, list(esign.NotificationFilter{UserID: w.User.ID, UnreadOnly: true}), []string(nil))
	wantEqual(t, list(esign.NotificationFilter{UserID: other.User.ID, UnreadOnly: true}), []string{"ntf_x_" + other.Org.ID})
}
