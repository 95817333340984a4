package api

import (
	"net/http"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// notificationResponse is one in-app notification.
type notificationResponse struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	EnvelopeID  string     `json:"envelope_id"`
	RecipientID *string    `json:"recipient_id"`
	Message     string     `json:"message"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadAt      *time.Time `json:"read_at"`
}

func newNotification(n *esign.Notification) notificationResponse {
	r := notificationResponse{ID: n.ID, Type: string(n.Type), EnvelopeID: n.EnvelopeID, Message: n.Message,
		CreatedAt: n.CreatedAt.UTC(), ReadAt: utc(n.ReadAt)}
	if n.RecipientID != "" {
		r.RecipientID = &n.RecipientID
	}
	return r
}

type notificationListResponse struct {
	Items      []notificationResponse `json:"items"`
	NextCursor *string                `json:"next_cursor"`
}

func (a *api) listNotifications(w http.ResponseWriter, r *http.Request) error {
	in, err := listInput(r)
	if err != nil {
		return err
	}
	unread := false
	switch r.URL.Query().Get("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return esign.Invalid("unread", "must be true or false")
	}
	page, err := a.svc.Notifications(r.Context(), principal(r), in, unread)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, notificationListResponse{Items: mapSlice(page.Items, newNotification), NextCursor: cursorOrNull(page.NextCursor)})
}

func (a *api) readNotification(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	n, err := a.svc.MarkNotificationRead(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newNotification(n))
}

type readAllResponse struct {
	Marked int64 `json:"marked"`
}

func (a *api) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &emptyRequest{}); err != nil {
		return err
	}
	n, err := a.svc.MarkAllNotificationsRead(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, readAllResponse{Marked: n})
}
