package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestLoadPrecedence(t *testing.T) {
	c, err := load(t, map[string]string{"GSIGN_ADDR": "0.0.0.0:9000", "GSIGN_DATA_DIR": "/env", "GSIGN_JOB_LEASE": "30s"}, "--data", "/flag")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.DataDir != "/flag" || c.JobLease != 30*time.Second {
		t.Fatalf("precedence wrong: %+v", c)
	}
	if c.PublicURL != "http://0.0.0.0:9000" || c.DatabaseDSN() != "/flag/gsign.db" {
		t.Fatalf("derived settings wrong: %s %s", c.PublicURL, c.DatabaseDSN())
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unparsable number", map[string]string{"GSIGN_MAX_UPLOAD_BYTES": "lots"}, "GSIGN_MAX_UPLOAD_BYTES"},
		{"tiny upload limit", map[string]string{"GSIGN_MAX_UPLOAD_BYTES": "10"}, "GSIGN_MAX_UPLOAD_BYTES"},
		{"unknown role", map[string]string{"GSIGN_ROLES": "api,janitor"}, "janitor"},
		{"no roles", map[string]string{"GSIGN_ROLES": " , "}, "no roles"},
		{"split roles on SQLite", map[string]string{"GSIGN_ROLES": "api"}, "GSIGN_DATABASE_URL=postgres"},
		{"split roles on local disk", map[string]string{"GSIGN_ROLES": "worker,scheduler", "GSIGN_DATABASE_URL": "postgres://db/gsign"}, "GSIGN_BLOB_URL=s3"},
		{"bad duration", map[string]string{"GSIGN_JOB_LEASE": "soon"}, "GSIGN_JOB_LEASE"},
		{"bad log format", map[string]string{"GSIGN_LOG_FORMAT": "xml"}, "GSIGN_LOG_FORMAT"},
		{"bad bool", map[string]string{"GSIGN_AUTO_MIGRATE": "maybe"}, "GSIGN_AUTO_MIGRATE"},
		{"unknown rate class", map[string]string{"GSIGN_RATE_LIMITS": "api=5,uploads=3"}, "uploads"},
		{"negative rate", map[string]string{"GSIGN_RATE_LIMITS": "api=-1"}, "GSIGN_RATE_LIMITS"},
		{"unknown key algorithm", map[string]string{"GSIGN_PKI_KEY_ALGORITHM": "rsa-1024"}, "GSIGN_PKI_KEY_ALGORITHM must be ecdsa-p256 or rsa-3072"},
		{"bad webhook network", map[string]string{"GSIGN_WEBHOOK_ALLOW_NETS": "127.0.0.0/8,localhost"}, "GSIGN_WEBHOOK_ALLOW_NETS"},
		{"webhook timeout too long", map[string]string{"GSIGN_WEBHOOK_TIMEOUT": "5m"}, "GSIGN_WEBHOOK_TIMEOUT"},
		{"unknown sms provider", map[string]string{"GSIGN_SMS_URL": "nexmo://x"}, "GSIGN_SMS_URL must be log:// or twilio://"},
		{"SSO DNS server without a port", map[string]string{"GSIGN_SSO_DNS_SERVER": "10.0.0.2"}, "GSIGN_SSO_DNS_SERVER must be host:port"},
		{"SSO DNS server with a bad port", map[string]string{"GSIGN_SSO_DNS_SERVER": "10.0.0.2:dns"}, "GSIGN_SSO_DNS_SERVER must be host:port"},
		{"bad SSO network", map[string]string{"GSIGN_SSO_ALLOW_NETS": "10.0.0.0/8,keycloak"}, "GSIGN_SSO_ALLOW_NETS"},
		{"zero breaker failures", map[string]string{"GSIGN_BREAKER_FAILURES": "0"}, "GSIGN_BREAKER_FAILURES"},
		{"profiler without a metrics listener", map[string]string{"GSIGN_PPROF": "true"}, "set GSIGN_METRICS_ADDR too"},
		{"bad breaker period", map[string]string{"GSIGN_BREAKER_OPEN_FOR": "10ms"}, "GSIGN_BREAKER_OPEN_FOR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestPKIKeyAlgorithm(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "ecdsa-p256"},
		{"ecdsa-p256", map[string]string{"GSIGN_PKI_KEY_ALGORITHM": "ecdsa-p256"}, "ecdsa-p256"},
		{"rsa-3072", map[string]string{"GSIGN_PKI_KEY_ALGORITHM": "rsa-3072"}, "rsa-3072"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.env)
			if err != nil || c.PKIKeyAlgorithm != tt.want {
				t.Fatalf("PKIKeyAlgorithm = %q, %v; want %q", c.PKIKeyAlgorithm, err, tt.want)
			}
		})
	}
}

func TestStringMasksPasswords(t *testing.T) {
	c := Default()
	c.DatabaseURL = "postgres://gsign:s3cret@db:5432/gsign?sslmode=require"
	c.BlobURL = "s3://AKIA:s3cret@bucket/p?endpoint=minio:9000&secret_key=s3cret"
	c.QueueURL = "amqp://guest:s3cret@mq:5672/"
	c.RedisURL = "redis://:s3cret@cache:6379/0"
	c.SMTPURL = "smtps://gsign:s3cret@mail.example.com:465"
	c.SMSURL = "twilio://AKIA:s3cret@api.twilio.com?from=%2B15550001111"
	s := c.String()
	if strings.Contains(s, "s3cret") || strings.Contains(s, "AKIA") {
		t.Fatalf("secret printed: %s", s)
	}
	for _, want := range []string{"db:5432/gsign", "bucket/p", "mq:5672", "cache:6379", "smtp=smtps://%2A%2A%2A@mail.example.com:465", "job_concurrency=", "pki_key_algorithm=ecdsa-p256", "api.twilio.com", "breaker_failures=5"} {
		if !strings.Contains(s, want) {
			t.Errorf("%s missing from %s", want, s)
		}
	}
}

// TestMailConfig: SMTP is off unless GSIGN_SMTP_URL names a server, and
// malformed mail settings are refused at startup.
func TestMailConfig(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.SMTPURL != "" || c.MailAttachMaxBytes != 10<<20 || !strings.Contains(c.String(), "smtp=(.eml files in") {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = load(t, map[string]string{"GSIGN_SMTP_URL": "smtp://relay:25?tls=none", "GSIGN_SMTP_CA_FILE": "/etc/ca.pem", "GSIGN_MAIL_ATTACH_MAX_BYTES": "1000"})
	if err != nil || c.SMTPURL != "smtp://relay:25?tls=none" || c.SMTPCAFile != "/etc/ca.pem" || c.MailAttachMaxBytes != 1000 {
		t.Fatalf("set: %+v, %v", c, err)
	}
	for _, env := range []map[string]string{
		{"GSIGN_SMTP_URL": "mail.example.com:587"},
		{"GSIGN_SMTP_URL": "https://mail.example.com"},
		{"GSIGN_MAIL_ATTACH_MAX_BYTES": "-1"},
		{"GSIGN_MAIL_ATTACH_MAX_BYTES": "ten"},
		{"GSIGN_MAIL_FROM": "GSign no-reply"},
	} {
		if _, err := load(t, env); err == nil {
			t.Errorf("%v accepted", env)
		}
	}
}

func TestSplitRolesOnSharedEngines(t *testing.T) {
	env := map[string]string{"GSIGN_DATABASE_URL": "postgres://db/gsign", "GSIGN_BLOB_URL": "s3://bucket?endpoint=minio:9000"}
	c, err := load(t, env, "--roles", "api, worker")
	if err != nil {
		t.Fatal(err)
	}
	if !c.SplitRoles() || !c.HasRole("api") || !c.HasRole("worker") || c.HasRole("scheduler") {
		t.Fatalf("roles = %v", c.Roles)
	}
	c, err = load(t, nil)
	if err != nil || c.SplitRoles() {
		t.Fatalf("default roles: %v split=%v err=%v", c.Roles, c.SplitRoles(), err)
	}
}

func TestRateLimits(t *testing.T) {
	c, err := load(t, map[string]string{"GSIGN_RATE_LIMITS": "api=6000, auth=0"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (RateLimits{Auth: 0, API: 6000, Signing: 120, Public: 60, Guesses: 20}); c.RateLimits != want {
		t.Fatalf("rate limits %+v, want %+v", c.RateLimits, want)
	}
	c, err = load(t, map[string]string{"GSIGN_RATE_LIMITS": "off"})
	if err != nil || c.RateLimits != (RateLimits{}) {
		t.Fatalf("off: %+v %v", c.RateLimits, err)
	}
}

func TestWebhookSettings(t *testing.T) {
	c, err := load(t, map[string]string{"GSIGN_WEBHOOK_ALLOW_NETS": " 127.0.0.1/8 , ::1/128", "GSIGN_WEBHOOK_TIMEOUT": "3s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := joinPrefixes(c.WebhookAllowNets); got != "127.0.0.0/8,::1/128" || c.WebhookTimeout != 3*time.Second {
		t.Fatalf("allow-list %q, timeout %v", got, c.WebhookTimeout)
	}
	if !strings.Contains(c.String(), "webhook_allow_nets=127.0.0.0/8,::1/128") {
		t.Errorf("String() does not show the allow-list: %s", c)
	}
	if c, err := load(t, map[string]string{"GSIGN_SSO_DNS_SERVER": "[::1]:5353", "GSIGN_SSO_ALLOW_NETS": "10.1.0.0/16"}); err != nil ||
		c.SSODNSServer != "[::1]:5353" || joinPrefixes(c.SSOAllowNets) != "10.1.0.0/16" {
		t.Errorf("SSO DNS server %q, networks %v, %v", c.SSODNSServer, c.SSOAllowNets, err)
	}
	if d, _ := load(t, nil); len(d.WebhookAllowNets) != 0 || d.WebhookTimeout != 10*time.Second || d.SSODNSServer != "" {
		t.Errorf("defaults: %v %v", d.WebhookAllowNets, d.WebhookTimeout)
	}
}
