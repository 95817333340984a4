package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// canary is a loopback HTTP server that counts the connections it accepts:
// every hostile URL below points at it, and it must see none.
type canary struct {
	accepted atomic.Int64
	port     string
}

func newCanary(t *testing.T, network, addr string) *canary {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil
	}
	c := &canary{}
	_, c.port, _ = net.SplitHostPort(ln.Addr().String())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				c.accepted.Add(1)
			}
		}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

// fakeResolver answers like an attacker's DNS. A name mapped to several
// answers gives them in turn, the last one forever after: a rebinding
// server answers a public address to the check and a loopback one to the
// connection.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	asked   map[string]int
}

var errNXDomain = errors.New("no such host")

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.asked == nil {
		f.asked = map[string]int{}
	}
	seq, ok := f.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: errNXDomain.Error(), Name: host, IsNotFound: true}
	}
	i := min(f.asked[host], len(seq)-1)
	f.asked[host]++
	return seq[i], nil
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// hostileResolver maps names to internal addresses; numeric names map to
// loopback as a libc resolver would read them, to show they are never asked.
func hostileResolver() *fakeResolver {
	return &fakeResolver{answers: map[string][][]netip.Addr{
		"internal.test": {addrs("127.0.0.1")},
		"private.test":  {addrs("10.0.0.5")},
		"metadata.test": {addrs("169.254.169.254")},
		"cgnat.test":    {addrs("100.64.0.1")},
		"mixed.test":    {addrs("93.184.216.34", "127.0.0.1")},
		"v6loop.test":   {addrs("::1")},
		"mapped.test":   {addrs("::ffff:127.0.0.1")},
		"nat64.test":    {addrs("64:ff9b::7f00:1")},
		"ula.test":      {addrs("fd12:3456::1")},
		"empty.test":    {{}},
		"localhost":     {addrs("127.0.0.1")},
		"2130706433":    {addrs("127.0.0.1")},
		"0x7f000001":    {addrs("127.0.0.1")},
		"rebind.test":   {addrs("93.184.216.34"), addrs("127.0.0.1")},
		"public.test":   {addrs("93.184.216.34")},
	}}
}

// hostileURLs are URLs that must never lead to a connection; P is the
// IPv4 canary's port and Q the IPv6 one's.
var hostileURLs = []string{
	"http://127.0.0.1:P/", "https://127.0.0.1:P/", "http://127.0.0.1.:P/", "http://127.000.000.001:P/",
	"http://2130706433:P/", "http://2130706433.:P/", "http://017700000001:P/", "http://0177.0.0.1:P/",
	"http://0177.1:P/", "http://0x7f.0x0.0x0.0x1:P/", "http://0x7f000001:P/", "http://0x7F000001:P/",
	"http://0x7f.1:P/", "http://0x7f.0.0.1:P/", "http://127.1:P/", "http://127.0.1:P/",
	"http://0:P/", "http://0.0.0.0:P/", "http://0x0:P/", "http://[::1]:Q/",
	"http://[0:0:0:0:0:0:0:1]:Q/", "http://[::1%25lo]:Q/", "http://[::]:P/", "http://[::ffff:127.0.0.1]:P/",
	"http://[::ffff:7f00:1]:P/", "http://[0:0:0:0:0:ffff:127.0.0.1]:P/", "http://[::127.0.0.1]:P/", "http://[64:ff9b::7f00:1]:P/",
	"http://[64:ff9b::127.0.0.1]:P/", "http://[64:ff9b:1::7f00:1]:P/", "http://[2002:7f00:1::]:P/", "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:P/",
	"http://[fe80::1%25lo]:P/", "http://[fe80::1]:P/", "http://[fc00::1]:P/", "http://[fd00::1]:P/",
	"http://[ff02::1]:P/", "http://[::ffff:a9fe:a9fe]:P/", "http://[fd00:ec2::254]:P/", "http://[2001:db8::1]:P/",
	"http://localhost:P/", "http://LOCALHOST:P/", "http://localhost.:P/", "http://api.localhost:P/",
	"http://internal.test:P/", "http://private.test:P/", "http://metadata.test:P/", "http://cgnat.test:P/",
	"http://mixed.test:P/", "http://v6loop.test:Q/", "http://mapped.test:P/", "http://nat64.test:P/",
	"http://ula.test:P/", "http://nxdomain.test:P/", "http://empty.test:P/", "http://169.254.169.254:P/latest/meta-data/",
	"http://100.100.100.200:P/", "http://10.0.0.1:P/", "http://172.16.0.1:P/", "http://192.168.1.1:P/",
	"http://100.64.0.1:P/", "http://224.0.0.1:P/", "http://255.255.255.255:P/", "http://192.0.2.1:P/",
	"http://198.18.0.1:P/", "http://240.0.0.1:P/", "http://127.0.0.1:P@nxdomain.test/", "http://1.2.3.4.5:P/",
	"http://0x100000000:P/", "http://256.0.0.1:P/",
}

func TestHostileURLsNeverConnect(t *testing.T) {
	c4 := newCanary(t, "tcp4", "127.0.0.1:0")
	c6 := newCanary(t, "tcp6", "[::1]:0")
	q := "1"
	if c6 != nil {
		q = c6.port
	}
	if len(hostileURLs) < 60 {
		t.Fatalf("only %d hostile URLs", len(hostileURLs))
	}
	cl := New(Config{Resolver: hostileResolver(), Timeout: 2 * time.Second})
	ctx := context.Background()
	for _, tmpl := range hostileURLs {
		u := strings.NewReplacer(":P", ":"+c4.port, ":Q", ":"+q).Replace(tmpl)
		t.Run(tmpl, func(t *testing.T) {
			if err := cl.CheckURL(ctx, u); esign.ErrorCode(err) != esign.CodeURLNotAllowed {
				t.Errorf("CheckURL(%s) = %v, want %s", u, err, esign.CodeURLNotAllowed)
			}
			res := cl.Deliver(ctx, testRequest(u))
			if res.Err == "" {
				t.Errorf("Deliver(%s) answered HTTP %d, want a refusal", u, res.StatusCode)
			}
		})
	}
	if n := c4.accepted.Load(); n != 0 {
		t.Errorf("the IPv4 canary accepted %d connections", n)
	}
	if c6 != nil && c6.accepted.Load() != 0 {
		t.Errorf("the IPv6 canary accepted %d connections", c6.accepted.Load())
	}
}

func testRequest(u string) *esign.WebhookRequest {
	return &esign.WebhookRequest{URL: u, ID: "msg_test", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: []string{esign.NewWebhookSecret()}}
}

// TestRebindingIsCaughtWhenDialing: the name passes the check with a public
// answer and resolves to loopback when the client connects.
func TestRebindingIsCaughtWhenDialing(t *testing.T) {
	c := newCanary(t, "tcp4", "127.0.0.1:0")
	r := hostileResolver()
	cl := New(Config{Resolver: r, Timeout: 2 * time.Second})
	u := "https://rebind.test:" + c.port + "/"
	if err := cl.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("the first, public answer should pass the check: %v", err)
	}
	res := cl.Deliver(context.Background(), testRequest(u))
	if res.Err == "" || !strings.Contains(res.Err, "127.0.0.1") {
		t.Errorf("Deliver after rebinding = %+v, want a refusal naming 127.0.0.1", res)
	}
	if r.asked["rebind.test"] != 2 || c.accepted.Load() != 0 {
		t.Errorf("resolver asked %d times, canary accepted %d; want 2 and 0", r.asked["rebind.test"], c.accepted.Load())
	}
}

// TestControlChecksTheSocketAddress: the dialer's own check refuses a
// denied address even when the resolution step is bypassed.
func TestControlChecksTheSocketAddress(t *testing.T) {
	c := newCanary(t, "tcp4", "127.0.0.1:0")
	cl := New(Config{Resolver: hostileResolver()})
	d := &net.Dialer{ControlContext: cl.control}
	if conn, err := d.Dial("tcp", "127.0.0.1:"+c.port); err == nil || !errors.Is(err, ErrDenied) {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("dial loopback = %v, want ErrDenied", err)
	}
	if c.accepted.Load() != 0 {
		t.Error("the canary saw a connection")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	c := newCanary(t, "tcp4", "127.0.0.1:0")
	ln, err := net.Listen("tcp4", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	target := "http://127.0.0.1:" + c.port + "/"
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		http.Redirect(w, r, target, code)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	cl := New(Config{Policy: Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}, Timeout: 2 * time.Second})
	for _, code := range []int{301, 302, 303, 307, 308} {
		res := cl.Deliver(context.Background(), testRequest("http://"+ln.Addr().String()+"/"+strconv.Itoa(code)))
		if res.StatusCode != code || res.Err != "" || res.Succeeded() {
			t.Errorf("redirect %d: got %+v, want the %d itself as a failure", code, res, code)
		}
	}
	if n := c.accepted.Load(); n != 0 {
		t.Errorf("the canary behind the redirects accepted %d connections", n)
	}
}

func TestPolicyAllowsPublicAddresses(t *testing.T) {
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822", "2002:5db8:d822::1", "::ffff:93.184.216.34"} {
		if err := (Policy{}).Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", s, err)
		}
	}
	allow := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
		if err := allow.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("allow-listed Check(%s) = %v", s, err)
		}
	}
	if err := allow.Check(netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Error("the allow-list let 10.0.0.1 through")
	}
}

func TestCheckURL(t *testing.T) {
	allow := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	cl := New(Config{Policy: allow, Resolver: hostileResolver()})
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://public.test/hooks", true},
		{"http://public.test/hooks", false}, // http only for allow-listed hosts
		{"http://127.0.0.1:9/hooks", true},
		{"http://internal.test/hooks", true},
		{"https://user:pw@public.test/", false},
		{"ftp://public.test/", false},
		{"https://nxdomain.test/", false},
	} {
		err := cl.CheckURL(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestParseLooseIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "0x7f.0x0.0x0.0x1": "127.0.0.1", "0x7f000001": "127.0.0.1",
		"127.1": "127.0.0.1", "10.1.1": "10.1.0.1", "0": "0.0.0.0", "192.168.257": "192.168.1.1",
	} {
		got, ok := parseLooseIPv4(in)
		if !ok || got.String() != want {
			t.Errorf("parseLooseIPv4(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"1.2.3.4.5", "256.0.0.1", "08.0.0.1", "0x100000000", "1..2", "-1", "1_0"} {
		if a, ok := parseLooseIPv4(in); ok {
			t.Errorf("parseLooseIPv4(%q) = %v, want no address", in, a)
		}
	}
}
