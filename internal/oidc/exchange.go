package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gsign/gsign/internal/esign"
)

// idClaims are the claims GSign reads beyond those go-oidc checks.
type idClaims struct {
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
}

// Exchange redeems the code with its PKCE verifier at the token endpoint
// and verifies the ID token in the answer. The provider's keys are cached
// with it; a token signed by an unknown key makes go-oidc fetch them again.
func (c *Client) Exchange(ctx context.Context, oc esign.OIDCClient, code, verifier string) (*esign.OIDCIdentity, error) {
	p, err := c.provider(ctx, oc.Issuer)
	if err != nil {
		return nil, err
	}
	tok, err := oauthConfig(p, oc).Exchange(context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTP), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, refused("the token endpoint returned no ID token")
	}
	v := p.Verifier(&oidc.Config{ClientID: oc.ClientID, SupportedSigningAlgs: signingAlgs, Now: c.cfg.Now})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, refused("the ID token was refused: " + short(err.Error()))
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return nil, refused("the ID token's claims are malformed")
	}
	return &esign.OIDCIdentity{Issuer: idt.Issuer, Subject: idt.Subject, Email: cl.Email,
		EmailVerified: truthy(cl.EmailVerified), Name: cl.Name, Nonce: idt.Nonce}, nil
}

func refused(msg string) error {
	return esign.Errorf(esign.KindUnauthorized, esign.CodeSSOToken, "%s", msg)
}

// exchangeError tells a provider that refused the code (401) from one
// that could not be reached (503).
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		reason := re.ErrorCode
		if reason == "" {
			reason = "HTTP " + strconv.Itoa(re.Response.StatusCode)
		}
		return refused("the identity provider refused the authorization code: " + short(reason))
	}
	return esign.Errorf(esign.KindUnavailable, esign.CodeSSOUnavailable, "the identity provider's token endpoint could not be reached")
}

// truthy reads email_verified as a boolean, or as the string "true" that
// some providers send.
func truthy(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}
