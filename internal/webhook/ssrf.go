// Package webhook sends webhook deliveries: Standard Webhooks signatures, an
// HTTP client that refuses to connect to internal addresses (checked when it
// dials, so DNS rebinding is caught), and the one function that makes an
// attempt.
package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrDenied is wrapped by every refusal to connect to an address.
var ErrDenied = errors.New("address not allowed for webhooks")

// Policy decides which addresses webhooks may connect to: public unicast
// addresses, and those in Allow.
type Policy struct {
	// Allow lists networks that are allowed even though they are internal:
	// for development and tests (GSIGN_WEBHOOK_ALLOW_NETS). Empty in
	// production.
	Allow []netip.Prefix
}

// deniedV4 are the IPv4 networks that are not the public Internet.
var deniedV4 = prefixes(
	"0.0.0.0/8",       // "this network", unspecified
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and the broadcast address
)

// deniedV6 are the networks inside global unicast (2000::/3, the only IPv6
// space allowed at all) that are not the public Internet, or that embed an
// IPv4 address GSign does not trust to be public.
var deniedV6 = prefixes(
	"2001::/23",     // IETF protocol assignments: Teredo 2001::/32, ORCHID, benchmarking
	"2001:db8::/32", // documentation
	"3fff::/20",     // documentation
	"5f00::/16",     // segment routing
)

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Check returns nil if webhooks may connect to a, and an error wrapping
// ErrDenied otherwise.
func (p Policy) Check(a netip.Addr) error {
	if !a.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrDenied)
	}
	if a.Zone() != "" {
		return fmt.Errorf("%w: %s has a zone", ErrDenied, a)
	}
	if p.allowed(a) {
		return nil
	}
	if reason := deniedReason(a); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrDenied, a, reason)
	}
	return nil
}

func (p Policy) allowed(a netip.Addr) bool {
	for _, n := range p.Allow {
		if n.Contains(a) || (a.Is4In6() && n.Contains(a.Unmap())) {
			return true
		}
	}
	return false
}

// deniedReason says why a is not a public unicast address, or "" if it is.
func deniedReason(a netip.Addr) string {
	if a.Is4In6() {
		if r := deniedReason(a.Unmap()); r != "" {
			return "IPv4-mapped, " + r
		}
		return ""
	}
	if a.Is4() {
		for _, n := range deniedV4 {
			if n.Contains(a) {
				return "in " + n.String()
			}
		}
		return ""
	}
	switch {
	case nat64.Contains(a):
		return embedded(a, 12, "NAT64")
	case sixToFour.Contains(a):
		return embedded(a, 2, "6to4")
	case !globalUnicast.Contains(a):
		return "not global unicast (loopback, unspecified, IPv4-compatible, local-use NAT64, unique-local, link-local or multicast)"
	}
	for _, n := range deniedV6 {
		if n.Contains(a) {
			return "in " + n.String()
		}
	}
	return ""
}

// embedded checks the IPv4 address at byte offset off of a.
func embedded(a netip.Addr, off int, what string) string {
	b := a.As16()
	v4 := netip.AddrFrom4([4]byte(b[off : off+4]))
	if r := deniedReason(v4); r != "" {
		return "a " + what + " address of " + v4.String() + ", " + r
	}
	return ""
}

// parseLooseIPv4 reads the forms of IPv4 address that inet_aton and URL
// parsers accept besides dotted decimal: 1 to 4 parts, each decimal, octal
// (leading 0) or hex (0x), the last filling the remaining bytes, as in
// 2130706433, 0177.0.0.1, 0x7f.1 or 127.1. Hostnames like these must be
// treated as the address they name, never handed to a resolver.
func parseLooseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseIPv4Part reads one part of a loose IPv4 address.
func parseIPv4Part(p string) (uint64, bool) {
	base, digits := 10, p
	switch {
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, true // inet_aton reads "0x" as 0
		}
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "+-_") {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, base, 32)
	return v, err == nil
}

// endsInNumber reports whether host's last label is a number, as the WHATWG
// URL standard defines it: such a host is an IPv4 address or invalid, never
// a name to resolve.
func endsInNumber(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if l := strings.ToLower(last); strings.HasPrefix(l, "0x") {
		return strings.Trim(l[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}
