package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gsign/gsign/internal/esign"
)

type principalKey struct{}

// principal returns the authenticated sender; authenticate put it there.
func principal(r *http.Request) *esign.Principal {
	p, _ := r.Context().Value(principalKey{}).(*esign.Principal)
	return p
}

// authenticate resolves the bearer credential, or else the browser app's
// session cookie, and refuses the request without either.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			var found bool
			if token, found, ok = a.sessionToken(w, r); !ok {
				return
			}
			if !found {
				a.writeError(w, r, esign.Errorf(esign.KindUnauthorized, esign.CodeUnauthorized,
					"send Authorization: Bearer <access token or API key>, or sign in"))
				return
			}
		}
		p, err := a.svc.Authenticate(r.Context(), token)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// authorize refuses, with 403 forbidden_role, a caller whose role lacks the
// route's permission. The domain checks again; this answers before any
// body is read or any idempotency record made.
func (a *api) authorize(perm esign.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := principal(r).Require(perm); err != nil {
			a.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearerToken returns the credential of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
