package esign

import (
	"testing"
	"time"
)

func TestMasks(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MaskEmail("ana@example.com"), "a***@example.com"},
		{MaskEmail("x@y.org"), "x***@y.org"},
		{MaskEmail("nobody"), "***"},
		{MaskPhone("+447700900789"), "+44*******789"},
		{MaskPhone("+15550001111"), "+15******111"},
		{MaskPhone("+123"), "+***"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDescribeAuth(t *testing.T) {
	for _, tc := range []struct{ method, detail, want string }{
		{AuthEmailOTP, "a***@example.com", "Email one-time code to a***@example.com"},
		{AuthSMSOTP, "+44*******789", "SMS one-time code to +44*******789"},
		{AuthAccessCode, "", "Access code"},
		{AuthIDV, "kba, reference R-1", "Identity verification (kba, reference R-1)"},
		{AuthSender, "", "Sender application"},
		{AuthNone, "", "None (the signing link)"},
		{"retina", "", "retina"},
	} {
		if got := DescribeAuth(tc.method, tc.detail); got != tc.want {
			t.Errorf("DescribeAuth(%s, %s) = %q, want %q", tc.method, tc.detail, got, tc.want)
		}
	}
}

// TestLockoutGrows: each lockout doubles the one before, up to the cap.
func TestLockoutGrows(t *testing.T) {
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute}
	for i, w := range want {
		if got := lockoutFor(i + 1); got != w {
			t.Errorf("lockout %d: %s, want %s", i+1, got, w)
		}
	}
	if got := lockoutFor(50); got != AccessCodeMaxLockout {
		t.Errorf("lockout 50: %s, want the cap %s", got, AccessCodeMaxLockout)
	}
}

// TestOTPIsSixDigits: codes are six digits, leading zeros kept, and vary.
func TestOTPIsSixDigits(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newOTP()
		if len(c) != 6 || c[0] < '0' || c[0] > '9' {
			t.Fatalf("code %q", c)
		}
		for _, d := range c {
			if d < '0' || d > '9' {
				t.Fatalf("code %q", c)
			}
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Errorf("only %d distinct codes in 200", len(seen))
	}
}
