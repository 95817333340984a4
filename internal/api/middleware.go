package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

type requestIDKey struct{}

// requestID returns the request's id, set by logRequests.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// logRequests gives each request an id (the client's X-Request-Id when it is
// sane) and logs one line per request. Paths are redacted: signing tokens
// are bearer secrets. Query strings are never logged.
func (a *api) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		tw := &trackingWriter{ResponseWriter: w}
		ctx := withRequestID(r.Context(), id)
		next.ServeHTTP(tw, r.WithContext(ctx))
		level := slog.LevelInfo
		if tw.status >= 500 {
			level = slog.LevelError
		}
		a.log.LogAttrs(ctx, level, "request",
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", redactPath(r.URL.Path)), slog.Int("status", tw.statusOr200()),
			slog.Duration("duration", time.Since(start)), slog.Int64("bytes", tw.bytes))
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// redactPath replaces the path segment after /s/ and /signing/, a signing
// token, with REDACTED, and any other segment that looks like a secret.
func redactPath(p string) string {
	segs := strings.Split(p, "/")
	prev := ""
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		if strings.EqualFold(prev, "s") || strings.EqualFold(prev, "signing") || looksSecret(seg) {
			segs[i] = "REDACTED"
		}
		prev = segs[i]
	}
	return strings.Join(segs, "/")
}

func looksSecret(seg string) bool {
	for _, prefix := range []string{esign.SecretRecipient, esign.SecretAccess, esign.SecretRefresh, esign.SecretAPIKey, esign.SecretInvitation} {
		if strings.HasPrefix(seg, prefix) {
			return true
		}
	}
	return false
}

// trackingWriter records the status and size of a response for the log line
// and for recoverPanics.
type trackingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (t *trackingWriter) WriteHeader(status int) {
	if t.status == 0 && status >= 200 {
		t.status = status
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	n, err := t.ResponseWriter.Write(b)
	t.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *trackingWriter) statusOr200() int {
	if t.status == 0 {
		return http.StatusOK
	}
	return t.status
}

// recoverPanics turns a panic into a logged 500 problem response. It runs
// inside logRequests, so w is its trackingWriter and tells whether a
// response has begun.
func (a *api) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.log.ErrorContext(r.Context(), "panic serving request", "request_id", requestID(r.Context()),
				"method", r.Method, "path", redactPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
			if tw, ok := w.(*trackingWriter); ok && tw.status != 0 {
				return // too late for a problem response
			}
			a.writeProblem(w, r, http.StatusInternalServerError, esign.CodeInternal, internalErrorDetail+requestID(r.Context()), nil)
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the defaults for API responses. Handlers that serve
// other content (the signing page, PDFs) override what they must.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// requestMeta records where the request came from for the audit trail.
func (a *api) requestMeta(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := esign.RequestMeta{IP: a.clientIP(r), UserAgent: r.UserAgent()}
		next.ServeHTTP(w, r.WithContext(esign.WithRequestMeta(r.Context(), m)))
	})
}

// clientIP is the peer's address, or X-Forwarded-For's first hop when the
// deployment says a proxy sets it.
func (a *api) clientIP(r *http.Request) string {
	if a.cfg.TrustProxyHeaders {
		first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
		if ip, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
			return ip.Unmap().String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().String()
	}
	return host
}
