package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Body limits. A multipart upload may carry a little more than the file:
// boundaries, part headers and small extra fields.
const (
	maxJSONBytes      = 1 << 20
	multipartOverhead = 64 << 10
)

// maxBody returns how many bytes a route's body may have.
func (a *api) maxBody(kind bodyKind) int64 {
	switch kind {
	case uploadBody:
		return a.cfg.MaxUploadBytes + multipartOverhead
	case composeBody:
		return a.composeLimit()
	}
	return maxJSONBytes
}

// composeLimit bounds a whole envelope in one request: documents of
// MaxUploadBytes in all, in base64 (the larger of the two ways to send
// them), with the envelope's JSON and multipart's overhead. The documents'
// own total is checked as they are stored.
func (a *api) composeLimit() int64 {
	return int64(base64.StdEncoding.EncodedLen(int(a.cfg.MaxUploadBytes))) + maxJSONBytes + multipartOverhead
}

// bodyTooLarge is the error for a body over its route's limit.
func (a *api) bodyTooLarge(kind bodyKind) error {
	switch kind {
	case uploadBody:
		return esign.ErrTooLarge(a.cfg.MaxUploadBytes)
	case composeBody:
		return esign.Errorf(esign.KindTooLarge, esign.CodeTooLarge,
			"the request body is larger than %d bytes; its documents may total at most %d bytes", a.composeLimit(), a.cfg.MaxUploadBytes)
	}
	return invalidJSON("the request body is larger than 1 MiB")
}

// limitBody refuses a body whose declared length is over the route's limit
// before reading any of it, and cuts off a body (chunked or lying) that
// turns out to be longer.
func (a *api) limitBody(kind bodyKind, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		max := a.maxBody(kind)
		if r.ContentLength > max {
			// The body stays unread; closing the connection saves the
			// client from sending the rest of it.
			w.Header().Set("Connection", "close")
			a.writeError(w, r, a.bodyTooLarge(kind))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

func invalidJSON(detail string) error {
	return esign.Errorf(esign.KindBadRequest, esign.CodeInvalidJSON, "%s", detail)
}

// errEmptyBody is returned as is, so decodeOptionalJSON can recognise it.
var errEmptyBody = invalidJSON("the request body is empty; send a JSON object")

// decodeJSON decodes the request body, which must be exactly one JSON value
// with no fields dst does not know.
func decodeJSON(r *http.Request, dst any) error {
	return decodeJSONFrom(r.Body, dst)
}

// decodeJSONFrom is decodeJSON for a body that is not the request's: a
// multipart part.
func decodeJSONFrom(body io.Reader, dst any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) {
			return errEmptyBody
		}
		return decodeError(err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return invalidJSON("the request body has data after the JSON object; send exactly one object")
	}
	return nil
}

// decodeOptionalJSON is decodeJSON for routes whose body may be empty.
func decodeOptionalJSON(r *http.Request, dst any) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if err := decodeJSON(r, dst); err != errEmptyBody {
		return err
	}
	return nil
}

// decodeError explains why a body did not decode.
func decodeError(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
		when     *time.ParseError
	)
	switch {
	case errors.As(err, &tooLarge):
		return invalidJSON("the request body is larger than 1 MiB")
	case errors.As(err, &syntax):
		return invalidJSON(fmt.Sprintf("the request body is not valid JSON (at byte %d): %s", syntax.Offset, syntax.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJSON("the request body ends in the middle of a JSON value")
	case errors.As(err, &typ) && typ.Field == "":
		return invalidJSON("the request body must be a JSON object, not " + typ.Value)
	case errors.As(err, &typ):
		return &esign.Error{Kind: esign.KindBadRequest, Code: esign.CodeInvalidJSON,
			Message: fmt.Sprintf("field %s must be %s, not %s", typ.Field, jsonTypeName(typ.Type.String()), typ.Value),
			Fields:  map[string]string{typ.Field: "must be " + jsonTypeName(typ.Type.String())}}
	case errors.As(err, &when):
		return invalidJSON("times must be RFC 3339 strings such as \"2026-06-01T17:00:00Z\"; got " + when.Value)
	default:
		// Unknown fields and values a type refused (times) have no typed
		// error; their message names the field, so pass it on.
		return invalidJSON("the request body does not fit this route: " + strings.TrimPrefix(err.Error(), "json: "))
	}
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	default:
		return "an object"
	}
}
