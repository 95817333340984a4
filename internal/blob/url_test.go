package blob

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		wantDir string
		want    *S3Options // Creds aside
		creds   string     // "ACCESS:SECRET" from the URL, "" for the chain
	}{
		{name: "absolute path", url: "/var/lib/gsign/blobs", wantDir: "/var/lib/gsign/blobs"},
		{name: "relative path", url: "data/blobs", wantDir: "data/blobs"},
		{name: "dot path with colon", url: "./a:b", wantDir: "./a:b"},
		{name: "file URL", url: "file:///var/lib/gsign/blobs", wantDir: "/var/lib/gsign/blobs"},
		{name: "file URL on localhost", url: "file://localhost/srv/blobs", wantDir: "/srv/blobs"},
		{name: "bucket on AWS", url: "s3://gsign-prod", want: &S3Options{Bucket: "gsign-prod"}},
		{
			name: "prefix and region", url: "s3://gsign-prod/tenants/acme/?region=eu-west-1",
			want: &S3Options{Bucket: "gsign-prod", Prefix: "tenants/acme", Region: "eu-west-1"},
		},
		{
			name: "local MinIO", url: "s3://AK:SE%2Fcr%2Bet@gsign-test?endpoint=127.0.0.1:9000&tls=false&create=1",
			want:  &S3Options{Bucket: "gsign-test", Endpoint: "127.0.0.1:9000", Insecure: true, CreateBucket: true},
			creds: "AK:SE/cr+et",
		},
		{
			name: "explicit TLS", url: "s3://b-1?endpoint=minio.internal&tls=true&create=0",
			want: &S3Options{Bucket: "b-1", Endpoint: "minio.internal"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, o, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.url, err)
			}
			if dir != tt.wantDir {
				t.Errorf("dir = %q, want %q", dir, tt.wantDir)
			}
			if (o == nil) != (tt.want == nil) {
				t.Fatalf("S3 options = %+v, want %+v", o, tt.want)
			}
			if o != nil {
				checkS3Options(t, *o, *tt.want, tt.creds)
			}
		})
	}
}

// checkS3Options compares parsed options, credentials by their value.
func checkS3Options(t *testing.T, got, want S3Options, creds string) {
	t.Helper()
	gotCreds := ""
	if got.Creds != nil {
		v, err := got.Creds.Get()
		if err != nil {
			t.Fatal(err)
		}
		gotCreds = v.AccessKeyID + ":" + v.SecretAccessKey
	}
	if gotCreds != creds {
		t.Errorf("credentials %q, want %q", gotCreds, creds)
	}
	got.Creds = nil
	if got != want {
		t.Errorf("S3 options = %+v, want %+v", got, want)
	}
}

// Bad URLs fail with an error that says what is wrong and never repeats the
// secret.
func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"empty", "", "empty"},
		{"unknown scheme", "gs://AK:TopSecret42@bucket", `unknown scheme "gs"`},
		{"colon without slash is a scheme", "s3:bucket", "missing bucket"},
		{"no bucket", "s3://AK:TopSecret42@", "missing bucket"},
		{"prefix without bucket", "s3:///docs", "missing bucket"},
		{"port on bucket", "s3://minio:9000/bucket", "?endpoint=host:port"},
		{"invalid bucket", "s3://Bad_Bucket", `bucket "Bad_Bucket"`},
		{"bad tls", "s3://bucket?endpoint=m:9000&tls=maybe", `tls="maybe": want true or false`},
		{"bad create", "s3://bucket?create=yes", `create="yes"`},
		{"plain HTTP to AWS", "s3://AK:TopSecret42@bucket?tls=false", "tls=false needs an endpoint"},
		{"endpoint with scheme", "s3://bucket?endpoint=http://m:9000", "without scheme"},
		{"empty endpoint", "s3://bucket?endpoint=", "want host or host:port"},
		{"misspelt option", "s3://AK:TopSecret42@bucket?endpiont=m:9000", `unknown option "endpiont"`},
		{"access key only", "s3://AK@bucket", "need both parts"},
		{"empty secret", "s3://AK:@bucket", "need both parts"},
		{"unparsable", "s3://AK:TopSecret42@bucket/%zz", "invalid blob URL"},
		{"file URL with host", "file://server/share", `not host "server"`},
		{"file URL without path", "file://", "missing folder"},
		{"file URL with options", "file:///srv/blobs?create=1", "take no options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseURL(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseURL(%q) = %v, want an error containing %q", tt.url, err, tt.want)
			}
			if strings.Contains(err.Error(), "TopSecret42") {
				t.Errorf("error %q repeats the secret", err)
			}
		})
	}
}

func TestOpenURLDisk(t *testing.T) {
	for _, form := range []string{"path", "file URL"} {
		t.Run(form, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "blobs")
			raw := dir
			if form == "file URL" {
				raw = "file://" + dir
			}
			s, err := OpenURL(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok := s.(*Disk); !ok {
				t.Errorf("OpenURL(%q) = %T, want *Disk", raw, s)
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				t.Errorf("OpenURL did not create %s: %v", dir, err)
			}
		})
	}
}

func TestOpenURLInvalid(t *testing.T) {
	_, err := OpenURL(context.Background(), "s3://AK:TopSecret42@bucket?tls=false")
	if err == nil || !strings.Contains(err.Error(), "open blob store") || strings.Contains(err.Error(), "TopSecret42") {
		t.Errorf("OpenURL of a bad URL = %v, want an open blob store error without the secret", err)
	}
}
