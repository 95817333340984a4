// Package sms delivers GSign's text messages: Twilio, an HTTP API that
// several providers copy, and Dir, the development default, which writes
// each message to a file and logs it.
package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
)

// Twilio sends messages through Twilio's Messages API, or any provider with
// the same shape: POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json
// with form fields To, From (or MessagingServiceSid) and Body, and HTTP
// basic authentication with the account SID and auth token.
type Twilio struct {
	BaseURL    string // https://api.twilio.com
	AccountSID string
	AuthToken  string
	// From is the sending number; MessagingServiceSID, if set, is used
	// instead and lets the provider pick the number.
	From                string
	MessagingServiceSID string
	Client              *http.Client
}

var _ esign.SMSSender = (*Twilio)(nil)

// APIError is a failure the provider answered with: Twilio's JSON error
// body ({code, message, status}) and the HTTP status.
type APIError struct {
	HTTPStatus int
	Code       int    `json:"code"`
	Message    string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("sms provider answered %d (code %d): %s", e.HTTPStatus, e.Code, e.Message)
}

// Send posts m. A 4xx answer other than 429 (an invalid number, a
// rejected sender, bad credentials) is permanent: resending the same request
// cannot succeed. 429, 5xx and network errors are retried by the job runner.
func (t *Twilio) Send(ctx context.Context, m *esign.SMS) error {
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	if t.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.MessagingServiceSID)
	} else {
		form.Set("From", t.From)
	}
	endpoint := strings.TrimRight(t.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("sms %s: %w", m.ID, err)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client().Do(req)
	if err != nil {
		return fmt.Errorf("sms %s: %w", m.ID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	apiErr := &APIError{HTTPStatus: resp.StatusCode}
	if json.Unmarshal(body, apiErr) != nil || apiErr.Message == "" {
		apiErr.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests {
		return &esign.PermanentError{Err: fmt.Errorf("sms %s: %w", m.ID, apiErr)}
	}
	return fmt.Errorf("sms %s: %w", m.ID, apiErr)
}

func (t *Twilio) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return defaultClient
}

// defaultClient bounds a send: a provider that hangs must not hold a job
// for its whole lease.
var defaultClient = &http.Client{Timeout: 30 * time.Second}
