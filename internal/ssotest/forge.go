package ssotest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"

	"github.com/go-jose/go-jose/v4"
)

// Sign returns claims as a JWT signed RS256 by the provider's key: a
// genuine ID token.
func (p *Provider) Sign(claims Claims) string {
	return SignRS256(p.Key, p.KeyID, claims)
}

// SignRS256 signs claims with key under kid, as a provider would, or as an
// attacker with a key of its own would.
func SignRS256(key *rsa.PrivateKey, kid string, claims Claims) string {
	return sign(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, claims)
}

// SignHS256WithPublicKey forges the classic algorithm confusion: an HS256
// token whose HMAC key is the provider's public key (PEM), which a verifier
// that lets the token pick the algorithm would accept.
func (p *Provider) SignHS256WithPublicKey(claims Claims) string {
	return sign(jose.SigningKey{Algorithm: jose.HS256, Key: p.PublicKeyPEM()}, claims)
}

// PublicKeyPEM is the provider's public key as a PEM block.
func (p *Provider) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&p.Key.PublicKey)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Unsigned forges a token with "alg": "none" and an empty signature.
func Unsigned(claims Claims) string {
	return segment(map[string]string{"alg": "none", "typ": "JWT"}) + "." + segment(claims) + "."
}

// With returns a copy of c with the claims set; a nil value removes one.
func (c Claims) With(kv map[string]any) Claims {
	out := Claims{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range kv {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func sign(key jose.SigningKey, claims Claims) string {
	s, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
