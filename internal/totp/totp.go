// Package totp implements esign.TOTP with github.com/pquerna/otp: RFC 6238
// codes of 6 digits over 30-second steps with HMAC-SHA1, which is what
// every authenticator app expects, and the QR code that enrolls one.
package totp

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/gsign/gsign/internal/esign"
)

// period is the length of one time step.
const period = 30

// qrSize is the QR code's width and height in pixels.
const qrSize = 256

// Authenticator generates TOTP secrets and checks codes.
type Authenticator struct{}

var _ esign.TOTP = Authenticator{}

// opts are the code parameters authenticator apps assume.
var opts = pqtotp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Generate makes a 160-bit secret for account and its otpauth URI and QR code.
func (Authenticator) Generate(issuer, account string) (esign.TOTPKey, error) {
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{Issuer: issuer, AccountName: account, Period: period,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return esign.TOTPKey{}, fmt.Errorf("generate TOTP secret: %w", err)
	}
	img, err := k.Image(qrSize, qrSize)
	if err != nil {
		return esign.TOTPKey{}, fmt.Errorf("render TOTP QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return esign.TOTPKey{}, fmt.Errorf("encode TOTP QR code: %w", err)
	}
	return esign.TOTPKey{Secret: k.Secret(), URI: k.URL(), QRPNG: b.Bytes()}, nil
}

// Match returns the step, among t's and the one either side, at which code
// is valid. Every candidate is computed and compared in constant time, so
// the answer's timing tells nothing about which step matched.
func (Authenticator) Match(secret, code string, t time.Time) (int64, bool) {
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	now := t.Unix() / period
	var found int64
	ok := false
	for step := now - 1; step <= now+1; step++ {
		want, err := pqtotp.GenerateCodeCustom(secret, time.Unix(step*period, 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// Code returns the code for secret at t, as an authenticator app shows it;
// tests use it to answer challenges at a fixed clock's time.
func Code(secret string, t time.Time) (string, error) {
	return pqtotp.GenerateCodeCustom(secret, t, opts)
}
