package cli

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign/esigntest"
)

var (
	buildOnce sync.Once
	crashBin  string
	buildErr  error
)

// failpointBinary builds gsign with the failpoints tag, once per test run.
func failpointBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gsign-failpoints-")
		if err != nil {
			buildErr = err
			return
		}
		crashBin = filepath.Join(dir, "gsign")
		out, err := exec.Command("go", "build", "-tags", "failpoints", "-o", crashBin, "github.com/gsign/gsign/cmd/gsign").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build gsign with failpoints: %v", buildErr)
	}
	return crashBin
}

// proc is a gsign serve process.
type proc struct {
	cmd    *exec.Cmd
	exited chan error
	stderr *syncBuffer
}

var listenLine = regexp.MustCompile(`listening on (http://\S+)`)

// startProc starts `gsign serve` on data with the given failpoints and
// returns it with the base URL it listens on.
func startProc(t *testing.T, data, failpoints string) (*proc, string) {
	t.Helper()
	return startProcEnv(t, data, []string{"GSIGN_FAILPOINTS=" + failpoints, "GSIGN_JOB_LEASE=1s", "GSIGN_LOG_LEVEL=debug"})
}

// startProcEnv starts `gsign serve` on data with extra environment
// (KEY=value) and arguments, and returns it with the base URL it listens on.
func startProcEnv(t *testing.T, data string, env []string, args ...string) (*proc, string) {
	t.Helper()
	cmd := exec.Command(failpointBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan error, 1), stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	select {
	case u := <-urls:
		return p, u
	case err := <-p.exited:
		t.Fatalf("gsign exited before listening: %v\n%s", err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("gsign did not listen within 30s")
	}
	return nil, ""
}

// waitCrash waits for the process to die at its failpoint.
func (p *proc) waitCrash(t *testing.T, point string) {
	t.Helper()
	select {
	case err := <-p.exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 137 || !strings.Contains(p.stderr.String(), "failpoint "+point) {
			t.Fatalf("want a crash at %s, got %v\n%s", point, err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("gsign did not crash at %s within 30s", point)
	}
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("gsign did not stop on SIGINT")
	}
}

// TestCrashRecovery kills a real gsign process at each crash point of the
// signing flow and restarts it on the same data: nothing is lost, nothing
// happens twice, and fsck and the audit chain stay clean.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	data := t.TempDir()

	// 1. The sign-request email is written, then the process dies before
	// recording it. On restart the job runs again (same file, one email).
	p, base := startProc(t, data, "mail.sent=exit")
	e := &e2e{t: t, base: base, data: data}
	reg := e.expect(e.do("POST", "/api/v1/auth/register", map[string]any{"email": "o@example.com", "password": "correct horse battery", "name": "O", "organization": "Acme"}), 201, "").json(t)
	e.token = reg["access_token"].(string)
	envID := id(e.expect(e.do("POST", "/api/v1/envelopes", map[string]any{"name": "Lease"}), 201, "").json(t))
	envPath := "/api/v1/envelopes/" + envID
	docID := id(e.expect(e.do("POST", envPath+"/documents", pdfUpload("a.pdf", esigntest.PDF(1, 612, 792))), 201, "").json(t))
	rid := id(e.expect(e.do("POST", envPath+"/recipients", map[string]any{"name": "Ana", "email": "ana@example.com", "role": "signer", "routing_order": 1}), 201, "").json(t))
	fid := id(e.expect(e.do("POST", envPath+"/fields", map[string]any{"document_id": docID, "recipient_id": rid, "type": "signature", "page": 1, "x": 72, "y": 600, "width": 200, "height": 50}), 201, "").json(t))
	e.expect(e.do("POST", envPath+"/send", nil), 200, "")
	p.waitCrash(t, "mail.sent")

	// 2. The recipient completes; the process dies inside the transaction,
	// before it commits. The completion must not have happened.
	p, e.base = startProc(t, data, "complete.before-commit=exit")
	tok := e.linkFor("ana@example.com")
	e.expect(e.do("POST", "/api/v1/signing/"+tok+"/fields/"+fid, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Ana"}}), 200, "")
	if _, err := tryDo(e, "POST", "/api/v1/signing/"+tok+"/complete"); err == nil {
		t.Fatal("complete answered although the process should have died before commit")
	}
	p.waitCrash(t, "complete.before-commit")

	// 3. Restarted: the recipient is still pending and completes; the
	// finalize job renders the result and dies before recording it.
	p, e.base = startProc(t, data, "finalize.rendered=exit")
	if st := e.expect(e.do("GET", envPath, nil), 200, "").json(t)["status"]; st == "completed" {
		t.Fatal("a completion whose transaction never committed is visible")
	}
	e.expect(e.do("POST", "/api/v1/signing/"+tok+"/complete", nil), 200, "")
	p.waitCrash(t, "finalize.rendered")

	// 4. Restarted without failpoints: the finalize job runs again and the
	// envelope ends completed with its result, once.
	p, e.base = startProc(t, data, "")
	waitResult(e, envPath)
	audit := e.expect(e.do("GET", envPath+"/audit", nil), 200, "").json(t)
	if audit["verified"] != true {
		t.Fatalf("audit chain broken after crashes: %v", audit["problem"])
	}
	counts := map[string]int{}
	for _, ev := range audit["events"].([]any) {
		m := ev.(map[string]any)
		counts[m["type"].(string)]++
	}
	if counts["completed"] != 1 || counts["result_ready"] != 1 || counts["signed"] != 1 {
		t.Fatalf("events after crashes: %v; want one each of signed, completed, result_ready", counts)
	}
	signRequests, _ := filepath.Glob(filepath.Join(data, "mail", "mail_sign_request_*.eml"))
	if len(signRequests) != 1 {
		t.Fatalf("%d sign-request emails, want exactly 1", len(signRequests))
	}
	p.stop(t)
	if code, out := runCLI(t, data, "fsck"); code != 0 {
		t.Fatalf("fsck after crashes: exit %d\n%s", code, out)
	}
}

func tryDo(e *e2e, method, path string) (int, error) {
	req, err := newRequest(e, method, path)
	if err != nil {
		return 0, err
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
