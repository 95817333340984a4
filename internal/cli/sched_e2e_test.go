package cli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// TestSMSAndMetricsWiring: with the real wiring, a recipient with a phone
// gets its sign request by SMS too (the log:// provider's file, with a
// working link), and the metrics listener serves the breakers' states.
func TestSMSAndMetricsWiring(t *testing.T) {
	metricsAddr := freeAddr(t)
	e := startServer(t, func(c *config.Config) { c.MetricsAddr = metricsAddr })
	e.token = e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "owner@example.com", "password": "correct horse battery", "name": "Olive Owner", "organization": "Acme"}), 201, "").json(t)["access_token"].(string)
	base := "/api/v1/envelopes/" + id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease", "reminder_delay_hours": 24}), 201, "").json(t))
	docID := id(e.expect(e.do("POST", base+"/documents", pdfUpload("lease.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	rid := id(e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "Ana", "email": "ana@example.com", "phone": "+1 555 000 1111"}), 201, "").json(t))
	e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": rid, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "")
	e.expect(e.do("POST", base+"/send", nil), 200, "")

	text := waitFile(t, filepath.Join(e.data, "sms", "sms_sign_request_*.txt"))
	if !strings.HasPrefix(text, "To: +15550001111\n") || !strings.Contains(text, "Olive Owner asks you to sign \"Lease\". http://gsign.test/s/gst_") {
		t.Fatalf("sms file holds %q", text)
	}
	tok := text[strings.Index(text, "/s/")+3:]
	e.expect(e.do("GET", "/api/v1/signing/"+strings.TrimSpace(tok), nil), 200, "")

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`gsign_circuit_breaker_state{name="mail"} 0`, `gsign_circuit_breaker_state{name="sms"} 0`,
		`gsign_circuit_breaker_state{name="tsa"} 0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code := getStatus(t, "http://"+metricsAddr+"/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("the profiler answers %d without GSIGN_PPROF, want 404", code)
	}
}

// TestProfilerOnMetricsListener: GSIGN_PPROF adds Go's profiler to the
// metrics listener, and only there.
func TestProfilerOnMetricsListener(t *testing.T) {
	metricsAddr := freeAddr(t)
	e := startServer(t, func(c *config.Config) { c.MetricsAddr, c.Pprof = metricsAddr, true })
	if code := getStatus(t, "http://"+metricsAddr+"/debug/pprof/heap?debug=1"); code != http.StatusOK {
		t.Errorf("the profiler answers %d on the metrics listener, want 200", code)
	}
	if code := getStatus(t, e.base+"/debug/pprof/heap"); code == http.StatusOK {
		t.Errorf("the public listener serves the profiler")
	}
}

// getStatus returns the status of a GET of url. The metrics listener
// opens after the API's (whose address the tests wait for) and after the
// queue is connected, so a refused connection is tried again for a while.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return resp.StatusCode
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFile waits for a file matching pattern and returns its content.
func waitFile(t *testing.T, pattern string) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			if b, err := os.ReadFile(m[0]); err == nil {
				return string(b)
			}
		}
	}
	t.Fatalf("no file %s", pattern)
	return ""
}

// TestSchedulerSendsReminders: the scheduler role of a real server sends a
// reminder email once the delay has passed on its clock, and only then.
func TestSchedulerSendsReminders(t *testing.T) {
	clock := esigntest.NewClock(time.Now())
	e := startServerClock(t, clock, func(c *config.Config) { c.ExpiryInterval = time.Second })
	e.token = e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "owner@example.com", "password": "correct horse battery", "name": "Olive Owner", "organization": "Acme"}), 201, "").json(t)["access_token"].(string)
	base := "/api/v1/envelopes/" + id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease", "reminder_delay_hours": 24}), 201, "").json(t))
	docID := id(e.expect(e.do("POST", base+"/documents", pdfUpload("lease.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	rid := id(e.expect(e.do("POST", base+"/recipients", map[string]any{"name": "Ana", "email": "ana@example.com"}), 201, "").json(t))
	e.expect(e.do("POST", base+"/fields", map[string]any{"document_id": docID, "recipient_id": rid, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "")
	e.expect(e.do("POST", base+"/send", nil), 200, "")
	e.linkFor("ana@example.com")
	reminders := filepath.Join(e.data, "mail", "mail_reminder_*.eml")
	time.Sleep(2500 * time.Millisecond) // two scheduler passes before the delay
	if m, _ := filepath.Glob(reminders); len(m) != 0 {
		t.Fatalf("reminder sent before its time: %v", m)
	}
	clock.Advance(24 * time.Hour)
	if text := waitFile(t, reminders); !strings.Contains(text, "Reminder, please sign: Lease") {
		t.Fatalf("reminder file holds %q", text)
	}
	e.token = e.expect(e.do("POST", "/api/v1/auth/login", map[string]any{"email": "owner@example.com", "password": "correct horse battery"}), 200, "").json(t)["access_token"].(string)
	got := e.expect(e.do("GET", base, nil), 200, "").json(t)["recipients"].([]any)[0].(map[string]any)
	if got["reminders_sent"] != float64(1) {
		t.Fatalf("recipient after the reminder: %v", got)
	}
}
