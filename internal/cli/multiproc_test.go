package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/sqldb"
	"github.com/gsign/gsign/internal/teststack"
)

// TestMultiProcess runs two `gsign serve` processes, each with the api and
// worker roles (the first also the scheduler's), on one PostgreSQL, S3,
// RabbitMQ and Redis, and drives envelopes through both at once: every
// request of an envelope goes to either process. Every envelope must
// complete exactly once, every job must have run to completion once in
// effect, every audit chain must verify and fsck must be clean.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and drives 200 envelopes; skipped with -short")
	}
	st := teststack.Require(t)
	n := 200
	env := append(st.Env(), // with the shared GSIGN_MASTER_KEY
		"GSIGN_JOB_CONCURRENCY=4", "GSIGN_LOG_LEVEL=warn", "GSIGN_RATE_LIMITS=api=0")
	dataA, dataB := t.TempDir(), t.TempDir()
	if code, out := runCLIEnv(t, dataA, env, "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	pa, baseA := startProcEnv(t, dataA, append(env, "GSIGN_AUTO_MIGRATE=false"), "--roles", "api,worker,scheduler")
	pb, baseB := startProcEnv(t, dataB, append(env, "GSIGN_AUTO_MIGRATE=false"), "--roles", "api,worker")
	c := &mpClient{bases: []string{baseA, baseB}}
	if err := c.register(); err != nil {
		t.Fatal(err)
	}

	ids := make([]string, n)
	var failed atomic.Int32
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				id, err := c.envelope(i)
				if err != nil {
					if failed.Add(1) <= 5 {
						t.Errorf("envelope %d: %v", i, err)
					}
					continue
				}
				ids[i] = id
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d envelopes failed", failed.Load(), n)
	}
	for i, id := range ids {
		if err := c.waitSealed(i, id, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqldb.Open(context.Background(), st.DatabaseURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitJobsDrained(t, db, 2*time.Minute)
	pa.stop(t)
	pb.stop(t)
	checkMultiProcessStore(t, db, ids)
	checkMultiProcessMail(t, n, dataA, dataB)
	for _, cmd := range [][]string{{"fsck"}, {"audit", "verify"}} {
		if code, out := runCLIEnv(t, dataA, env, cmd...); code != 0 {
			t.Fatalf("gsign %s after the run: exit %d\n%s", strings.Join(cmd, " "), code, out)
		}
	}
}

// waitJobsDrained waits until no job is pending or running: the emails
// that follow completion are sent after the sealed result is ready.
func waitJobsDrained(t *testing.T, db *sqldb.DB, limit time.Duration) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		busy := 0
		err := db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
			for _, s := range []esign.JobStatus{esign.JobPending, esign.JobRunning} {
				jobs, err := tx.JobsByStatus(ctx, s, 1)
				busy += len(jobs)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			return
		}
	}
	t.Fatalf("jobs still pending or running after %s", limit)
}

// checkMultiProcessStore reads the shared database: each envelope completed
// once with one result, and every job ran to completion.
func checkMultiProcessStore(t *testing.T, db *sqldb.DB, ids []string) {
	t.Helper()
	ctx := context.Background()
	err := db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		for _, id := range ids {
			events, err := tx.AuditEvents(ctx, id)
			if err != nil {
				return err
			}
			counts := map[string]int{}
			for _, ev := range events {
				counts[ev.Type]++
			}
			if counts["completed"] != 1 || counts["result_ready"] != 1 || counts["signed"] != 2 || counts["sent"] != 1 {
				return fmt.Errorf("envelope %s has events %v; want sent, completed and result_ready once, signed twice", id, counts)
			}
		}
		for _, s := range []esign.JobStatus{esign.JobPending, esign.JobRunning, esign.JobDead} {
			jobs, err := tx.JobsByStatus(ctx, s, 5)
			if err != nil {
				return err
			}
			if len(jobs) > 0 {
				return fmt.Errorf("%d+ jobs still %s, e.g. %s (%s)", len(jobs), s, jobs[0].ID, jobs[0].LastError)
			}
		}
		done, err := tx.JobsByStatus(ctx, esign.JobDone, 0)
		if err != nil {
			return err
		}
		retried := 0
		for _, j := range done {
			if j.Attempts > 1 {
				retried++
			}
		}
		t.Logf("%d jobs done, %d of them after a retry", len(done), retried)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkMultiProcessMail counts the emails both processes wrote: each once,
// and one completion notice per signer and one to the owner per envelope.
// (A sign request is dropped when its signer finished, through an embedded
// signing URL, before the mail job ran, so those are not counted.)
func checkMultiProcessMail(t *testing.T, n int, dirs ...string) {
	t.Helper()
	seen := map[string]string{}
	completed := 0
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "mail", "*.eml"))
		for _, f := range files {
			name := filepath.Base(f)
			if prev, dup := seen[name]; dup {
				t.Errorf("email %s written by both processes (%s and %s)", name, prev, d)
			}
			seen[name] = d
			if strings.HasPrefix(name, "mail_completed_") {
				completed++
			}
		}
	}
	if completed != 3*n {
		t.Errorf("%d completion emails, want %d (two signers and the owner per envelope)", completed, 3*n)
	}
	t.Logf("%d emails written, %d of them completion notices", len(seen), completed)
}

// mpClient drives the API of several processes; request i of an envelope
// goes to process (envelope+i) mod len(bases). It is safe for concurrent
// use and reports failures as errors, not through t.
type mpClient struct {
	bases []string
	token string
}

func (c *mpClient) register() error {
	var reg struct {
		AccessToken string `json:"access_token"`
	}
	err := c.call(0, "POST", "/api/v1/auth/register", map[string]any{"email": "ops@example.com", "password": "correct horse battery", "name": "Ops", "organization": "Acme"}, 201, &reg)
	c.token = reg.AccessToken
	return err
}

// envelope creates, fills and sends envelope i with a signer at order 1 and
// one at order 2, and has both sign, alternating processes on every call.
func (c *mpClient) envelope(i int) (string, error) {
	k := i
	next := func() int { k++; return k }
	var env, doc struct{ ID string }
	if err := c.call(next(), "POST", "/api/v1/envelopes", map[string]any{"name": fmt.Sprintf("Contract %d", i)}, 201, &env); err != nil {
		return "", err
	}
	base := "/api/v1/envelopes/" + env.ID
	if err := c.call(next(), "POST", base+"/documents", pdfUpload("c.pdf", esigntest.PDF(1, 612, 792)), 201, &doc); err != nil {
		return "", err
	}
	rids, fids := make([]string, 2), make([]string, 2)
	for o := range 2 {
		var r, f struct{ ID string }
		body := map[string]any{"name": fmt.Sprintf("Signer %d", o+1), "email": fmt.Sprintf("s%d-%d@example.com", o+1, i), "role": "signer", "routing_order": o + 1}
		if err := c.call(next(), "POST", base+"/recipients", body, 201, &r); err != nil {
			return "", err
		}
		field := map[string]any{"document_id": doc.ID, "recipient_id": r.ID, "type": "signature", "page": 1, "x": 72 + 250*o, "y": 600, "width": 200, "height": 50}
		if err := c.call(next(), "POST", base+"/fields", field, 201, &f); err != nil {
			return "", err
		}
		rids[o], fids[o] = r.ID, f.ID
	}
	if err := c.call(next(), "POST", base+"/send", nil, 200, nil); err != nil {
		return "", err
	}
	for o := range 2 {
		if err := c.sign(next(), base, rids[o], fids[o]); err != nil {
			return "", fmt.Errorf("signer %d: %w", o+1, err)
		}
	}
	return env.ID, nil
}

// sign opens an embedded signing URL for the recipient and signs.
func (c *mpClient) sign(k int, base, rid, fid string) error {
	var link struct{ URL string }
	if err := c.call(k, "POST", base+"/recipients/"+rid+"/signing-url", nil, 200, &link); err != nil {
		return err
	}
	var view struct {
		SessionToken string `json:"session_token"`
	}
	if err := c.call(k+1, "GET", "/api/v1/signing/"+link.URL[strings.LastIndex(link.URL, "/")+1:], nil, 200, &view); err != nil {
		return err
	}
	sp := "/api/v1/signing/" + view.SessionToken
	if err := c.call(k+2, "POST", sp+"/fields/"+fid, map[string]any{"signature": map[string]any{"kind": "typed", "text": "Signer"}}, 200, nil); err != nil {
		return err
	}
	return c.call(k+3, "POST", sp+"/complete", nil, 200, nil)
}

// waitSealed polls the envelope, on alternating processes, until its
// sealed result is ready.
func (c *mpClient) waitSealed(i int, id string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for k := i; time.Now().Before(deadline); k++ {
		var m struct {
			Status       string `json:"status"`
			ResultStatus string `json:"result_status"`
		}
		if err := c.call(k, "GET", "/api/v1/envelopes/"+id, nil, 200, &m); err != nil {
			return err
		}
		if m.Status == "completed" && m.ResultStatus == "ready" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("envelope %s has no sealed result after %s", id, limit)
}

// call sends one request to process k mod len(bases) and decodes a
// response with the wanted status into out.
func (c *mpClient) call(k int, method, path string, body any, want int, out any) error {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.bases[k%len(c.bases)]+path, rd)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s on %s: status %d, want %d: %s", method, path, c.bases[k%len(c.bases)], res.StatusCode, want, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// runCLIEnv runs a gsign command in process on data with the extra
// environment (KEY=value entries) and returns its exit code and output.
func runCLIEnv(t *testing.T, data string, env []string, args ...string) (int, string) {
	t.Helper()
	vars := map[string]string{"GSIGN_DATA_DIR": data}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var out bytes.Buffer
	code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return vars[k] }})
	return code, out.String()
}
