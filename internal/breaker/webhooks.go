package breaker

import (
	"context"
	"net/url"

	"github.com/gsign/gsign/internal/esign"
)

// Webhooks sends webhook attempts through one breaker per receiving host,
// so a host that keeps failing stops holding job workers for the length of
// its timeout, and a healthy host is never held back by it.
type Webhooks struct {
	Next  esign.Webhooks
	Hosts *Group
}

var _ esign.Webhooks = (*Webhooks)(nil)

// CheckURL is not guarded: it resolves names, but connects to nothing.
func (w *Webhooks) CheckURL(ctx context.Context, rawURL string) error {
	return w.Next.CheckURL(ctx, rawURL)
}

// Deliver makes the attempt unless the host's breaker is open. A refused
// connection, a timeout or a 5xx counts against the host; any other answer
// shows it working. While the breaker is open the attempt is not made and
// the result says so: the delivery log shows it, and the delivery keeps its
// retry schedule, so nothing is lost.
func (w *Webhooks) Deliver(ctx context.Context, r *esign.WebhookRequest) esign.WebhookResult {
	var res esign.WebhookResult
	err := w.Hosts.Get(host(r.URL)).Do(func() error {
		res = w.Next.Deliver(ctx, r)
		if res.Err != "" || res.StatusCode >= 500 {
			return errFailedAttempt
		}
		return nil
	})
	if err != nil && err != errFailedAttempt {
		return esign.WebhookResult{Err: "not attempted: " + err.Error()}
	}
	return res
}

// errFailedAttempt tells the breaker that an attempt failed; the attempt's
// own result is what the caller gets.
var errFailedAttempt = failedAttempt{}

type failedAttempt struct{}

func (failedAttempt) Error() string { return "webhook attempt failed" }

// host is the breaker key of a URL: its host and port.
func host(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "invalid"
	}
	return u.Host
}
