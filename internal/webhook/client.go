package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Resolver looks up a host's addresses; *net.Resolver is one, tests use
// fakes that answer what an attacker's DNS would.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config configures a Client.
type Config struct {
	Policy Policy
	// Resolver defaults to net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one attempt, from dialing to the end of the response
	// snippet, so a hanging receiver holds a worker only briefly.
	Timeout time.Duration
}

// Client makes webhook attempts. It implements esign.Webhooks.
type Client struct {
	cfg  Config
	http *http.Client
}

var _ esign.Webhooks = (*Client)(nil)

// responseSnippet is how much of a response body the delivery log keeps.
const responseSnippet = 256

// New returns a Client. It never uses a proxy from the environment (a proxy
// would connect to internal addresses for us) and never follows redirects
// (a redirect could lead anywhere, and Standard Webhooks receivers answer
// 2xx).
func New(cfg Config) *Client {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	c := &Client{cfg: cfg}
	c.http = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           c.dial,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   cfg.Timeout,
			ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// HTTPClient is the client's guarded HTTP client, for other requests to
// URLs that an organization chooses (single sign-on's providers): the same
// dial-time address policy, no proxy from the environment, no redirects.
func (c *Client) HTTPClient() *http.Client { return c.http }

// addrs resolves host to the addresses a connection may use, and refuses
// the host if any of them is not allowed: an attacker who controls DNS may
// answer with a mix. IP literals in every notation are checked as the
// address they are; names are resolved, and a failed lookup fails closed.
func (c *Client) addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, c.cfg.Policy.Check(a)
	}
	if endsInNumber(host) {
		a, ok := parseLooseIPv4(host)
		if !ok {
			return nil, fmt.Errorf("%w: %q is neither a name nor an address", ErrDenied, host)
		}
		return []netip.Addr{a}, c.cfg.Policy.Check(a)
	}
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.ContainsAny(host, "%[]") {
		return nil, fmt.Errorf("%w: host %q", ErrDenied, host)
	}
	found, err := c.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot resolve %s: %v", ErrDenied, host, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: %s has no addresses", ErrDenied, host)
	}
	for _, a := range found {
		if err := c.cfg.Policy.Check(a); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// dial connects to one of the addresses host resolves to now. The dialer's
// control function checks the address of the socket itself, so whatever
// resolved it, no connection to a denied address is ever opened.
func (c *Client) dial(ctx context.Context, network, hostport string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	as, err := c.addrs(ctx, host)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{ControlContext: c.control}
	var errs []error
	for _, a := range as {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// control runs before the socket connects, with the address it connects to.
func (c *Client) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrDenied, address)
	}
	return c.cfg.Policy.Check(ap.Addr())
}

// CheckURL refuses an endpoint URL the client would refuse to connect to.
// http is allowed only when every address of the host is allow-listed: a
// development receiver; anything else must use https.
func (c *Client) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return notAllowed("the URL must be absolute, without user name or password")
	}
	as, err := c.addrs(ctx, u.Hostname())
	if err != nil {
		return notAllowed("the URL's host is not allowed: %v", err)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		for _, a := range as {
			if !c.cfg.Policy.allowed(a) {
				return notAllowed("the URL must use https (http only for allow-listed development hosts)")
			}
		}
		return nil
	}
	return notAllowed("the URL must use https")
}

func notAllowed(format string, args ...any) error {
	e := esign.Errorf(esign.KindInvalid, esign.CodeURLNotAllowed, format, args...)
	e.Fields = map[string]string{"url": e.Message}
	return e
}

// Deliver makes one attempt: a signed POST of the body, within the
// timeout. Any answer is reported as it is: 3xx is not followed.
func (c *Client) Deliver(ctx context.Context, r *esign.WebhookRequest) esign.WebhookResult {
	start := time.Now()
	res := c.deliver(ctx, r)
	res.Duration = time.Since(start)
	return res
}

func (c *Client) deliver(ctx context.Context, r *esign.WebhookRequest) esign.WebhookResult {
	sig, err := Signature(r.Secrets, r.ID, r.Timestamp, r.Body)
	if err != nil {
		return esign.WebhookResult{Err: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return esign.WebhookResult{Err: "bad URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GSign-Webhooks/1")
	req.Header.Set("webhook-id", r.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(r.Timestamp.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := c.http.Do(req)
	if err != nil {
		return esign.WebhookResult{Err: err.Error()}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, responseSnippet))
	return esign.WebhookResult{StatusCode: resp.StatusCode, Response: string(snippet)}
}
