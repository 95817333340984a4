// Package esigntest has fakes with real behaviour and fixture builders for
// tests of GSign's domain and transports.
package esigntest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC().Truncate(time.Microsecond)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Mailer records every email it is asked to send. FailNext makes the next n
// sends fail, to exercise retries.
type Mailer struct {
	mu       sync.Mutex
	sent     []*esign.Email
	FailNext int
}

var _ esign.Mailer = (*Mailer)(nil)

// ErrMailDown is what a failing Mailer returns.
var ErrMailDown = errors.New("esigntest: mail server unavailable")

// Send records m, or fails if FailNext is positive.
func (m *Mailer) Send(_ context.Context, e *esign.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.FailNext > 0 {
		m.FailNext--
		return ErrMailDown
	}
	c := *e
	m.sent = append(m.sent, &c)
	return nil
}

// Sent returns the emails sent so far.
func (m *Mailer) Sent() []*esign.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*esign.Email(nil), m.sent...)
}

var linkRE = regexp.MustCompile(`/s/(gst_[A-Za-z0-9_-]+)`)

// TokenFor returns the token of the newest signing link emailed to addr.
func (m *Mailer) TokenFor(addr string) (string, error) {
	sent := m.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == addr {
			if mm := linkRE.FindStringSubmatch(sent[i].Text); mm != nil {
				return mm[1], nil
			}
		}
	}
	return "", fmt.Errorf("no signing link emailed to %s", addr)
}

// To returns the emails sent to addr.
func (m *Mailer) To(addr string) []*esign.Email {
	var out []*esign.Email
	for _, e := range m.Sent() {
		if e.To == addr {
			out = append(out, e)
		}
	}
	return out
}

// PDF returns a minimal valid PDF with the given number of pages of size
// w × h points, each saying its page number, with a correct xref table.
func PDF(pages int, w, h float64) []byte {
	var b bytes.Buffer
	offsets := []int{}
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := ""
	for i := 0; i < pages; i++ {
		kids += fmt.Sprintf("%d 0 R ", 4+2*i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := 0; i < pages; i++ {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", w, h, 5+2*i))
		content := fmt.Sprintf("BT /F1 24 Tf 72 %g Td (Page %d) Tj ET", h-72, i+1)
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// LogBuffer collects log output from several goroutines.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// SMS records every text message it is asked to send. FailNext makes the
// next n sends fail, to exercise retries.
type SMS struct {
	mu       sync.Mutex
	sent     []*esign.SMS
	FailNext int
}

var _ esign.SMSSender = (*SMS)(nil)

// Send records m, or fails if FailNext is positive.
func (s *SMS) Send(_ context.Context, m *esign.SMS) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.FailNext > 0 {
		s.FailNext--
		return ErrMailDown
	}
	c := *m
	s.sent = append(s.sent, &c)
	return nil
}

// To returns the messages sent to the phone number.
func (s *SMS) To(phone string) []*esign.SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*esign.SMS
	for _, m := range s.sent {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}
