package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/rabbitmq"
)

// TestQueueDeadJobListedAndReplayed runs gsign's queue wiring on RabbitMQ:
// a failing job retries, is dead-lettered after its last attempt, shows in
// `gsign jobs list` and `gsign jobs dlq`, and `gsign jobs replay` brings it
// back to succeed.
func TestQueueDeadJobListedAndReplayed(t *testing.T) {
	getenv := queueTestEnv(t)
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, io.Discard, esign.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	var healthy atomic.Bool
	jc := jobsConfig(cfg, "test-worker")
	jc.BaseBackoff, jc.MaxBackoff = 100*time.Millisecond, 500*time.Millisecond
	a.runner = jobs.New(a.db, func(ctx context.Context, j *esign.Job) error {
		if !healthy.Load() {
			return errors.New("smtp down")
		}
		return nil
	}, esign.SystemClock{}, a.log, jc)
	startQueue(t, a)
	err = a.db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnqueueJob(ctx, &esign.Job{ID: "test:1", Kind: "test", Payload: []byte(`{}`), Status: esign.JobPending,
			RunAt: tx.Now(), MaxAttempts: 3, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a.svc.Wake()

	waitFor(t, "the job to be dead-lettered", func() bool {
		code, out := runJobsCLI(getenv, "jobs", "dlq")
		return code == exitOK && strings.Contains(out, "test:1") && strings.Contains(out, "job dead  smtp down")
	})
	if code, out := runJobsCLI(getenv, "jobs", "list", "--status", "dead", "--json"); code != exitOK ||
		!strings.Contains(out, `"id":"test:1"`) || !strings.Contains(out, `"attempts":3`) {
		t.Fatalf("jobs list: exit %d\n%s", code, out)
	}
	healthy.Store(true)
	if code, out := runJobsCLI(getenv, "jobs", "replay", "test:1"); code != exitOK {
		t.Fatalf("jobs replay: exit %d\n%s", code, out)
	}
	waitFor(t, "the replayed job to succeed", func() bool {
		code, out := runJobsCLI(getenv, "jobs", "list", "--status", "done")
		return code == exitOK && strings.Contains(out, "test:1")
	})
	if code, out := runJobsCLI(getenv, "jobs", "dlq"); code != exitOK || !strings.Contains(out, "0 messages") {
		t.Fatalf("jobs dlq after the replay: exit %d\n%s", code, out)
	}
	if code, out := runJobsCLI(getenv, "jobs", "replay", "test:1"); code != exitUsage || !strings.Contains(out, "not dead") {
		t.Fatalf("replaying a done job: exit %d\n%s", code, out)
	}
}

// TestQueueServeRunsJobsThroughRabbitMQ serves with a job queue: the
// worker no longer polls the database, so the signing invitation, a mail
// job, reaches the signer only through the relay and the consumer.
func TestQueueServeRunsJobsThroughRabbitMQ(t *testing.T) {
	getenv := queueTestEnv(t)
	e := startServer(t, func(c *config.Config) { c.QueueURL = getenv("GSIGN_QUEUE_URL") })
	sentEnvelopeOverHTTP(t, e)
	e.stop()
	code, out := runCLIEnv(t, e.data, append(stackOf(e.data).Env(), "GSIGN_QUEUE_URL="+getenv("GSIGN_QUEUE_URL")), "jobs", "list", "--status", "done")
	if code != exitOK || !strings.Contains(out, "mail:") {
		t.Fatalf("jobs list --status done: exit %d\n%s", code, out)
	}
}

// queueTestEnv is the environment of a gsign with its own data folder and
// its own exchanges and queues on the RabbitMQ of GSIGN_TEST_AMQP_URL, which
// are deleted when the test ends. It skips the test without one.
func queueTestEnv(t *testing.T) func(string) string {
	raw := os.Getenv("GSIGN_TEST_AMQP_URL")
	if raw == "" {
		t.Skip("GSIGN_TEST_AMQP_URL is not set (e.g. amqp://guest:guest@127.0.0.1:5672/); skipping RabbitMQ tests")
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	vars := map[string]string{
		"GSIGN_DATA_DIR":  t.TempDir(),
		"GSIGN_QUEUE_URL": fmt.Sprintf("%s%sprefix=gsign-test-cli-%d", raw, sep, time.Now().UnixNano()%1e9),
	}
	qc, err := rabbitmq.ParseURL(vars["GSIGN_QUEUE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rabbitmq.DeleteTopology(qc); err != nil {
			t.Errorf("delete the test's exchanges and queues: %v", err)
		}
	})
	return func(k string) string { return vars[k] }
}

// startQueue runs the app's queue tasks until the test ends.
func startQueue(t *testing.T, a *app) {
	t.Helper()
	tasks, err := a.queueTasks()
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 {
		t.Fatalf("%d queue tasks, want the relay and the consumer", len(tasks))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runAll(ctx, tasks) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func runJobsCLI(getenv func(string) string, args ...string) (int, string) {
	var out bytes.Buffer
	code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &out, Getenv: getenv})
	return code, out.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
