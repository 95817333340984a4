package esign

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Listings page newest first by (created_at, id); a cursor is the pair of
// the last item shown, opaque to clients.

// encodeCursor is the cursor after an item created at t with the id.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + ":" + id))
}

// decodeCursorOf reads a cursor of a listing of ids with the prefix.
func decodeCursorOf(c, prefix string) (time.Time, string, error) {
	bad := Invalid("cursor", "is not a cursor this server issued")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	micros, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || !strings.HasPrefix(id, prefix+"_") {
		return time.Time{}, "", bad
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// pageParams reads a listing's limit (default 50, at most 200) and cursor,
// whose id must carry prefix.
func pageParams(in ListInput, prefix string) (limit int, before time.Time, beforeID string, err error) {
	switch {
	case in.Limit == 0:
		limit = 50
	case in.Limit < 1 || in.Limit > 200:
		return 0, before, "", Invalid("limit", "must be between 1 and 200")
	default:
		limit = in.Limit
	}
	if in.Cursor != "" {
		before, beforeID, err = decodeCursorOf(in.Cursor, prefix)
	}
	return limit, before, beforeID, err
}

// trimPage drops the extra item a listing asked for to tell whether there
// is a next page, and returns the cursor of that page ("" when none).
func trimPage[T any](items []T, limit int, key func(T) (time.Time, string)) ([]T, string) {
	if len(items) < limit {
		return items, ""
	}
	items = items[:len(items)-1]
	return items, encodeCursor(key(items[len(items)-1]))
}
