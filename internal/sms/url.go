package sms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/gsign/gsign/internal/esign"
)

// Options is what OpenURL needs besides the URL.
type Options struct {
	// Dir is the folder of the log:// provider's files.
	Dir      string
	Log      *slog.Logger
	LogLinks bool
}

// OpenURL returns the provider rawURL names (the GSIGN_SMS_URL setting):
//
//	log://                                       write each message to Options.Dir and log it
//	twilio://SID:TOKEN@api.twilio.com?from=%2B15550001111
//	twilio://SID:TOKEN@api.twilio.com?messaging_service=MG…
//
// A twilio URL's host is the API's; tls=false talks plain HTTP (tests, a
// local gateway). Errors never repeat the token.
func OpenURL(rawURL string, o Options) (esign.SMSSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("sms: the URL does not parse")
	}
	switch u.Scheme {
	case "log":
		return &Dir{Path: o.Dir, Log: o.Log, LogLinks: o.LogLinks}, nil
	case "twilio":
		return twilioFromURL(u)
	}
	return nil, fmt.Errorf("sms: unknown scheme %q (want log:// or twilio://)", u.Scheme)
}

func twilioFromURL(u *url.URL) (*Twilio, error) {
	token, _ := u.User.Password()
	q := u.Query()
	t := &Twilio{BaseURL: "https://" + u.Host, AccountSID: u.User.Username(), AuthToken: token,
		From: q.Get("from"), MessagingServiceSID: q.Get("messaging_service")}
	if q.Get("tls") == "false" {
		t.BaseURL = "http://" + u.Host
	}
	switch {
	case u.Host == "":
		return nil, errors.New("sms: a twilio URL needs the API host, e.g. api.twilio.com")
	case t.AccountSID == "" || t.AuthToken == "":
		return nil, errors.New("sms: a twilio URL needs ACCOUNT_SID:AUTH_TOKEN@ before the host")
	case t.From == "" && t.MessagingServiceSID == "":
		return nil, errors.New("sms: a twilio URL needs ?from=+NUMBER (as %2B…) or ?messaging_service=SID")
	}
	return t, nil
}
