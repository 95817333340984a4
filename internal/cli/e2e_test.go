package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/api"
	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/teststack"
	"github.com/gsign/gsign/internal/testtool"
)

// e2e drives a real gsign server (the same wiring as `gsign serve`, on port 0).
type e2e struct {
	t     *testing.T
	base  string
	data  string
	token string
	logs  *syncBuffer
	stop  func() // stops the server and waits for it; safe to call twice
}

type syncBuffer = esigntest.LogBuffer

// stacks maps the data folder of each server startServer started on the
// scaled stack to that stack, so that commands run on the same folder
// (runCLI) use the same engines.
var stacks sync.Map

// stackOf returns the stack the server on data runs on.
func stackOf(data string) teststack.Stack {
	st, _ := stacks.Load(data)
	s, _ := st.(teststack.Stack)
	return s
}

func startServer(t *testing.T, configure ...func(*config.Config)) *e2e {
	t.Helper()
	return startServerClock(t, esign.SystemClock{}, configure...)
}

// startServerClock is startServer on a clock the test may move.
func startServerClock(t *testing.T, clock esign.Clock, configure ...func(*config.Config)) *e2e {
	t.Helper()
	data := t.TempDir()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.PublicURL = "127.0.0.1:0", data, "http://gsign.test"
	cfg.DatabaseURL = filepath.Join(data, "gsign.db")
	if st := teststack.ForTest(t); st.DatabaseURL != "" {
		cfg.DatabaseURL, cfg.BlobURL, cfg.QueueURL, cfg.RedisURL = st.DatabaseURL, st.BlobURL, st.QueueURL, st.RedisURL
		cfg.MasterKey, _ = config.ParseMasterKey(teststack.MasterKey)
		stacks.Store(data, st)
	}
	for _, c := range configure {
		c(&cfg)
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, Env{Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }}, clock, func(a string) { addrCh <- a })
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start in 30s")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &e2e{t: t, base: "http://" + addr, data: data, logs: logs, stop: stop}
}

type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

func (e *e2e) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case *multipartBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := httpClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: b, header: res.Header}
}

func (e *e2e) expect(r resp, status int, code string) resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if code != "" {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			e.t.Fatalf("error content type %q, want application/problem+json", ct)
		}
		if got := r.json(e.t)["code"]; got != code {
			e.t.Fatalf("problem code %v, want %s: %s", got, code, r.body)
		}
	}
	return r
}

type multipartBody struct {
	data  []byte
	ctype string
}

func pdfUpload(name string, content []byte) *multipartBody {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(content)
	w.Close()
	return &multipartBody{data: b.Bytes(), ctype: w.FormDataContentType()}
}

var emlLink = regexp.MustCompile(`/s/(gst_[A-Za-z0-9_-]+)`)

// linkFor reads the .eml files the server wrote and returns the newest
// signing token sent to addr, waiting for the outbox if needed.
func (e *e2e) linkFor(addr string) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if tok := e.findLink(addr); tok != "" {
			return tok
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("no signing link emailed to %s", addr)
	return ""
}

func (e *e2e) findLink(addr string) string {
	files, _ := filepath.Glob(filepath.Join(e.data, "mail", "*.eml"))
	var newest string
	var newestT time.Time
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(raw, []byte("To: ")) {
			continue
		}
		text := strings.ReplaceAll(string(raw), "=\r\n", "")
		if !strings.Contains(text, "<"+addr+">") && !strings.Contains(text, "To: "+addr) {
			continue
		}
		st, _ := os.Stat(f)
		if m := emlLink.FindStringSubmatch(text); m != nil && st.ModTime().After(newestT) {
			newest, newestT = m[1], st.ModTime()
		}
	}
	return newest
}

func signaturePNG(t *testing.T) string {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 80))
	for x := 20; x < 280; x++ {
		img.Set(x, 40+(x%20)-10, color.NRGBA{0, 0, 128, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64Std(b.Bytes())
}

func id(m map[string]any) string { return m["id"].(string) }

func requireTool(t *testing.T, name string) { testtool.Require(t, name) }

var httpClient = &http.Client{Timeout: 30 * time.Second}

func newRequest(e *e2e, method, path string) (*http.Request, error) {
	req, err := http.NewRequest(method, e.base+path, nil)
	if err == nil && e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	return req, err
}

// TestDefaultRateLimitsAgree: the configured defaults are the API's own, so
// that a server and the API's tests limit alike.
func TestDefaultRateLimitsAgree(t *testing.T) {
	if got, want := apiRateLimits(config.Default()), api.DefaultRateLimits(); got != want {
		t.Fatalf("config's default rate limits %+v differ from the API's %+v", got, want)
	}
}
