package sqldb

import (
	"context"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

const notificationCols = `id, org_id, user_id, type, envelope_id, recipient_id, message, created_at, read_at`

func scanNotification(s rowScanner) (*esign.Notification, error) {
	n := &esign.Notification{}
	return n, s.Scan(&n.ID, &n.OrgID, &n.UserID, &n.Type, &n.EnvelopeID, &n.RecipientID, &n.Message,
		timeCol{&n.CreatedAt}, nullTimeCol{&n.ReadAt})
}

// CreateNotification inserts n.
func (t *tx) CreateNotification(ctx context.Context, n *esign.Notification) error {
	return t.insertLater(ctx, "notification", insertSQL("notifications", notificationCols),
		n.ID, n.OrgID, n.UserID, string(n.Type), n.EnvelopeID, n.RecipientID, n.Message, micros(n.CreatedAt), nullMicros(n.ReadAt))
}

// NotificationByID returns the notification with the id, whoever's it is.
func (t *tx) NotificationByID(ctx context.Context, id string) (*esign.Notification, error) {
	return getOne(ctx, t, "notification", scanNotification, `SELECT `+notificationCols+` FROM notifications WHERE id = ?`, id)
}

// ListNotifications returns f's notifications, newest first.
func (t *tx) ListNotifications(ctx context.Context, f esign.NotificationFilter) ([]*esign.Notification, error) {
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE user_id = ?`
	if f.UnreadOnly {
		q += ` AND read_at IS NULL`
	}
	q, args := pageSQL(q, []any{f.UserID}, f.BeforeCreatedAt, f.BeforeID, f.Limit)
	return getAll(ctx, t, "notifications", scanNotification, q, args...)
}

// MarkNotificationsRead sets read_at of the user's unread notification
// with the id, or of all of them when id is empty.
func (t *tx) MarkNotificationsRead(ctx context.Context, userID, id string, at time.Time) (int64, error) {
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{micros(at), userID}
	if id != "" {
		q += ` AND id = ?`
		args = append(args, id)
	}
	return t.changed(ctx, q, args...)
}
