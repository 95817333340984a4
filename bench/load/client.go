package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client calls the gsign API and records every request's latency.
type client struct {
	base  string
	http  *http.Client
	rec   *recorder
	token string // the account's access token; set once by register
}

func newClient(base string, workers int, timeout time.Duration, rec *recorder) *client {
	// Each worker has up to three signers in flight at once.
	tr := &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers, IdleConnTimeout: time.Minute}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr, Timeout: timeout}, rec: rec}
}

// statusError is a non-2xx answer.
type statusError struct {
	kind   string
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.kind, e.status, e.body)
}

// request is one API call: kind names it in the report.
type request struct {
	kind, method, path string
	body               []byte
	ctype              string
	auth               bool              // send the account's bearer token
	header             map[string]string // more request headers
}

// do sends r and returns the body of a 2xx answer; anything else is an
// error, recorded against r.kind.
func (c *client) do(ctx context.Context, r request) ([]byte, error) {
	res, err := c.send(ctx, r, false)
	return res.body, err
}

// answer is what send got back.
type answer struct {
	status int
	etag   string
	body   []byte
}

// send sends r; a 2xx answer, or with notModified a 304, is a success and
// anything else an error, recorded against r.kind.
func (c *client) send(ctx context.Context, r request, notModified bool) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return answer{}, err
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if r.auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		c.rec.fail(r.kind, start, err)
		return answer{}, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	good := res.StatusCode >= 200 && res.StatusCode <= 299 || notModified && res.StatusCode == http.StatusNotModified
	if err == nil && !good {
		err = &statusError{kind: r.kind, status: res.StatusCode, body: string(body)}
	}
	if err != nil {
		c.rec.fail(r.kind, start, err)
		return answer{}, err
	}
	c.rec.ok(r.kind, start, time.Now())
	return answer{status: res.StatusCode, etag: res.Header.Get("ETag"), body: body}, nil
}

// call is a sender's call, with the account's token: it sends in as JSON
// (nil: no body) and decodes a 2xx answer into out (nil: ignore it).
func (c *client) call(ctx context.Context, kind, method, path string, in, out any) error {
	return c.callJSON(ctx, request{kind: kind, method: method, path: path, auth: true}, in, out)
}

// callPublic is call without the token: registering, and the signers' calls.
func (c *client) callPublic(ctx context.Context, kind, method, path string, in, out any) error {
	return c.callJSON(ctx, request{kind: kind, method: method, path: path}, in, out)
}

func (c *client) callJSON(ctx context.Context, r request, in, out any) error {
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		r.body, r.ctype = b, "application/json"
	}
	body, err := c.do(ctx, r)
	if err != nil || out == nil {
		return err
	}
	return decode(r.kind, body, out)
}

// decode decodes a JSON answer to a request of kind.
func decode(kind string, body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: decode %s: %w", kind, truncate(string(body), 200), err)
	}
	return nil
}

// register creates a fresh account with a random email and keeps its token.
func (c *client) register(ctx context.Context) error {
	var id [6]byte
	rand.Read(id[:])
	tag := hex.EncodeToString(id[:])
	in := map[string]string{"email": "load-" + tag + "@example.com", "password": "load test " + tag,
		"name": "Load Test", "organization": "Load " + tag}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.callPublic(ctx, "register", "POST", "/api/v1/auth/register", in, &out); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	if out.AccessToken == "" {
		return fmt.Errorf("register: no access_token in the answer")
	}
	c.token = out.AccessToken
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
