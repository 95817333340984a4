package sqldb

import (
	"encoding/json"
	"fmt"
	"time"
)

// Times are stored as INTEGER microseconds since the Unix epoch, which keeps
// them exact, comparable in SQL, and the same on every engine. Values finer
// than a microsecond are truncated; esign.SystemClock never makes them.

// micros is t as stored.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is p as stored: NULL for nil.
func nullMicros(p *time.Time) any {
	if p == nil {
		return nil
	}
	return p.UnixMicro()
}

// timeCol scans a stored time into *p.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want an integer", src)
	}
	*c.p = time.UnixMicro(v).UTC()
	return nil
}

// nullTimeCol scans a stored optional time into *p, nil for NULL.
type nullTimeCol struct{ p **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.p = &t
	return nil
}

// seconds is d as stored in a duration column: whole seconds, which is all
// the settings kept in such columns (hours, in the API) need.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// durationCol scans a duration stored in whole seconds into *p.
type durationCol struct{ p *time.Duration }

func (c durationCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("duration column holds %T, want an integer", src)
	}
	*c.p = time.Duration(v) * time.Second
	return nil
}

// jsonCol scans a JSON text column into p.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("JSON column holds %T, want text", src)
	}
	return json.Unmarshal(b, c.p)
}

// jsonText is v as stored in a JSON text column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// blob is b as stored in a NOT NULL BLOB column: never NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullBlob is b as stored in an optional BLOB column: NULL for none, so
// that a row without the bytes (a signature from before its image moved
// into the row) reads back as nil on every engine and driver.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullString is s as stored in an optional reference column: NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullStringCol scans an optional text column into *p, "" for NULL.
type nullStringCol struct{ p *string }

func (c nullStringCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = ""
	case string:
		*c.p = v
	case []byte:
		*c.p = string(v)
	default:
		return fmt.Errorf("text column holds %T, want text", src)
	}
	return nil
}
