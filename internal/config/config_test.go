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
	if c.PublicURL != "http://0.0.0.0:9000" || c.SQLitePath() != "/flag/gsign.db" {
		t.Fatalf("derived settings wrong: %s %s", c.PublicURL, c.SQLitePath())
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
		{"bad duration", map[string]string{"GSIGN_JOB_LEASE": "soon"}, "GSIGN_JOB_LEASE"},
		{"bad log format", map[string]string{"GSIGN_LOG_FORMAT": "xml"}, "GSIGN_LOG_FORMAT"},
		{"bad bool", map[string]string{"GSIGN_AUTO_MIGRATE": "maybe"}, "GSIGN_AUTO_MIGRATE"},
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

func TestStringMasksPasswords(t *testing.T) {
	c := Default()
	c.DatabaseURL = "postgres://gsign:s3cret@db:5432/gsign"
	if s := c.String(); strings.Contains(s, "s3cret") {
		t.Fatalf("password printed: %s", s)
	}
}
