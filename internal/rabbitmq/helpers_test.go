package rabbitmq

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/sqldb"
)

// testConfig is a Config on the RabbitMQ of GSIGN_TEST_AMQP_URL with a
// prefix of its own, whose exchanges and queues are deleted at cleanup. It
// skips the test when the variable is unset.
func testConfig(t *testing.T) Config {
	t.Helper()
	raw := os.Getenv("GSIGN_TEST_AMQP_URL")
	if raw == "" {
		t.Skip("GSIGN_TEST_AMQP_URL is not set (e.g. amqp://guest:guest@127.0.0.1:5672/); skipping RabbitMQ tests")
	}
	cfg, err := ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	cfg.Prefix = fmt.Sprintf("gsign-test-%s-%d", name, time.Now().UnixNano()%1e6)
	cfg.Interval, cfg.Pause, cfg.ConfirmTimeout = 50*time.Millisecond, 100*time.Millisecond, 5*time.Second
	t.Cleanup(func() {
		if err := DeleteTopology(cfg); err != nil {
			t.Errorf("delete topology: %v", err)
		}
	})
	return cfg
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testLog logs to the test, for failures that need the story.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func openStore(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "gsign.db"), sqldb.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func enqueue(t *testing.T, db esign.Store, id string, maxAttempts int) {
	t.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnqueueJob(ctx, &esign.Job{ID: id, Kind: "test", Payload: []byte(`{}`), Status: esign.JobPending,
			RunAt: tx.Now(), MaxAttempts: maxAttempts, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func jobStatus(t *testing.T, db esign.Store, id string) esign.JobStatus {
	t.Helper()
	var j *esign.Job
	err := db.View(context.Background(), func(ctx context.Context, tx esign.Tx) (err error) {
		j, err = tx.JobByID(ctx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return j.Status
}

// runner returns the jobs runner, as gsign wires it, with quick retries.
func runner(db esign.Store, h jobs.Handler) *jobs.Runner {
	cfg := jobs.DefaultConfig("test-worker")
	cfg.BaseBackoff, cfg.MaxBackoff = 200*time.Millisecond, time.Second
	return jobs.New(db, h, esign.SystemClock{}, quiet, cfg)
}

// runByID adapts the runner to the consumer, as gsign's wiring does.
func runByID(r *jobs.Runner) RunFunc {
	return func(ctx context.Context, id string) (Outcome, error) {
		out, err := r.RunByID(ctx, id)
		switch out.Result {
		case jobs.Retry:
			return Outcome{Verdict: RetryLater, Delay: time.Until(out.RetryAt)}, err
		case jobs.Dead:
			return Outcome{Verdict: DeadLetter}, err
		}
		return Outcome{Verdict: Settled}, err
	}
}

// start runs fn in the background until the test ends, and returns a
// function that stops it and waits.
func start(t *testing.T, fn func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds, failing the test after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// broker is the test's own connection, to look into queues.
type broker struct {
	t  *testing.T
	ch *amqp.Channel
	tp topology
}

func openBroker(t *testing.T, cfg Config) *broker {
	t.Helper()
	conn, err := amqp.Dial(cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	tp := topology{cfg.Prefix}
	if err := tp.declare(ch); err != nil {
		t.Fatal(err)
	}
	return &broker{t: t, ch: ch, tp: tp}
}

// ready is how many messages wait in the queue (not counting those
// delivered and not yet acknowledged).
func (b *broker) ready(queue string) int {
	b.t.Helper()
	q, err := b.ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return q.Messages
}

// get takes the next message of the queue, acknowledging it.
func (b *broker) get(queue string) (amqp.Delivery, bool) {
	b.t.Helper()
	d, ok, err := b.ch.Get(queue, true)
	if err != nil {
		b.t.Fatal(err)
	}
	return d, ok
}

// publishJob publishes a message for the job as the relay would.
func (b *broker) publishJob(id string) {
	b.t.Helper()
	if err := b.ch.Publish(b.tp.work(), workKey, false, false, jobMessage(id, "test", time.Now())); err != nil {
		b.t.Fatal(err)
	}
}

// cutter dials connections whose sockets the test can cut, as a network
// failure or a broker restart would.
type cutter struct {
	mu    sync.Mutex
	socks []net.Conn
	dials int
}

func (c *cutter) dial(url, name string) (*amqp.Connection, error) {
	return amqp.DialConfig(url, amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		conn, err := net.DialTimeout(network, addr, 5*time.Second)
		if err == nil {
			c.mu.Lock()
			c.socks, c.dials = append(c.socks, conn), c.dials+1
			c.mu.Unlock()
		}
		return conn, err
	}})
}

// cut closes every socket dialled so far.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.socks {
		s.Close()
	}
	c.socks = nil
}

func (c *cutter) dialCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dials
}
