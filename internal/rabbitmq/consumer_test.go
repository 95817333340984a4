package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/gsign/gsign/internal/esign"
)

// TestConsumerRunsDuplicateMessagesOnce: two messages for one job at once,
// and a third after it is done; the job runs once and every message is
// acknowledged.
func TestConsumerRunsDuplicateMessagesOnce(t *testing.T) {
	cfg := testConfig(t)
	cfg.Concurrency = 2
	db := openStore(t)
	b := openBroker(t, cfg)
	enqueue(t, db, "test:dup", 3)
	b.publishJob("test:dup")
	b.publishJob("test:dup")
	var calls, messages atomic.Int32
	run := runByID(runner(db, func(ctx context.Context, j *esign.Job) error {
		calls.Add(1)
		time.Sleep(100 * time.Millisecond)
		return nil
	}))
	stop := start(t, NewConsumer(cfg, func(ctx context.Context, id string) (Outcome, error) {
		defer messages.Add(1)
		return run(ctx, id)
	}, testLog(t)).Run)
	eventually(t, 10*time.Second, "the job to be done", func() bool { return jobStatus(t, db, "test:dup") == esign.JobDone })
	b.publishJob("test:dup")
	eventually(t, 10*time.Second, "the late duplicate to be consumed", func() bool { return messages.Load() == 3 })
	stop() // waits for handlers; messages not acknowledged by then go back to the queue
	if n := b.ready(b.tp.work()); n != 0 {
		t.Fatalf("%d messages left in the work queue", n)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the job ran %d times, want once", n)
	}
}

// TestQueueRetryDeadLetterReplay: a failing job comes back through the
// retry queues with backoff, lands in the dead-letter queue after its last
// attempt, and once replayed (database, then queue) runs again and succeeds.
func TestQueueRetryDeadLetterReplay(t *testing.T) {
	cfg := testConfig(t)
	db := openStore(t)
	b := openBroker(t, cfg)
	var healthy atomic.Bool
	var mu sync.Mutex
	var calls []time.Time
	h := func(ctx context.Context, j *esign.Job) error {
		mu.Lock()
		calls = append(calls, time.Now())
		mu.Unlock()
		if !healthy.Load() {
			return errors.New("smtp down")
		}
		return nil
	}
	relay := NewRelay(db, cfg, testLog(t))
	start(t, relay.Run)
	start(t, NewConsumer(cfg, runByID(runner(db, h)), testLog(t)).Run)
	enqueue(t, db, "test:flaky", 3)
	relay.Wake()

	eventually(t, 20*time.Second, "the job to be dead", func() bool { return jobStatus(t, db, "test:flaky") == esign.JobDead })
	var dead []DeadMessage
	eventually(t, 10*time.Second, "the dead-letter queue to hold the job", func() bool {
		var err error
		dead, err = PeekDead(context.Background(), cfg, 10)
		return err == nil && len(dead) == 1
	})
	if d := dead[0]; d.JobID != "test:flaky" || d.Kind != "test" || d.Reason != "rejected" || d.Queue != b.tp.work() || d.DeadAt.IsZero() {
		t.Fatalf("dead letter %+v", d)
	}
	mu.Lock()
	if len(calls) != 3 {
		t.Fatalf("ran %d times before dead-lettering, want 3 (MaxAttempts)", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].Sub(calls[i-1]); gap < 100*time.Millisecond {
			t.Errorf("retry %d came after %v, want the backoff (at least 100ms)", i, gap)
		}
	}
	mu.Unlock()
	assertRetriedThroughRetryQueue(t, b)

	healthy.Store(true)
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error { return tx.ReplayJob(ctx, "test:flaky", tx.Now()) })
	if err != nil {
		t.Fatal(err)
	}
	if n, err := RemoveDead(context.Background(), cfg, []string{"test:flaky"}); err != nil || n != 1 {
		t.Fatalf("RemoveDead = %d, %v; want 1", n, err)
	}
	relay.Wake()
	eventually(t, 10*time.Second, "the replayed job to succeed", func() bool { return jobStatus(t, db, "test:flaky") == esign.JobDone })
	if n := b.ready(b.tp.dead()); n != 0 {
		t.Fatalf("%d messages left in the dead-letter queue", n)
	}
}

// assertRetriedThroughRetryQueue reads the dead letter's history: it
// expired from the first retry queue before it was rejected. (Each retry is
// a new message, so the history holds the last retry only.)
func assertRetriedThroughRetryQueue(t *testing.T, b *broker) {
	t.Helper()
	d, ok, err := b.ch.Get(b.tp.dead(), false)
	if err != nil || !ok {
		t.Fatalf("get dead letter: %v, %v", ok, err)
	}
	defer d.Nack(false, true)
	deaths, _ := d.Headers["x-death"].([]any)
	for _, x := range deaths {
		x, _ := x.(amqp.Table)
		if x["queue"] == b.tp.retryQueue(0) && x["reason"] == "expired" {
			return
		}
	}
	t.Fatalf("dead letter's x-death %v does not show an expiration from %s", deaths, b.tp.retryQueue(0))
}

// TestQueueReconnectsAndLosesNothing cuts the sockets of the relay and the
// consumer while jobs run; both reconnect, and every job runs exactly once.
func TestQueueReconnectsAndLosesNothing(t *testing.T) {
	cfg := testConfig(t)
	cfg.Concurrency = 2
	db := openStore(t)
	var mu sync.Mutex
	ran := map[string]int{}
	h := func(ctx context.Context, j *esign.Job) error {
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		ran[j.ID]++
		mu.Unlock()
		return nil
	}
	var relayConns, workerConns cutter
	relay := NewRelay(db, cfg, testLog(t))
	relay.dial = relayConns.dial
	consumer := NewConsumer(cfg, runByID(runner(db, h)), testLog(t))
	consumer.dial = workerConns.dial
	start(t, relay.Run)
	start(t, consumer.Run)

	const n = 12
	for i := range n {
		enqueue(t, db, fmt.Sprintf("test:%02d", i), 3)
	}
	relay.Wake()
	eventually(t, 10*time.Second, "some jobs to run", func() bool { mu.Lock(); defer mu.Unlock(); return len(ran) >= 3 })
	relayConns.cut()
	workerConns.cut()
	for i := n; i < 2*n; i++ {
		enqueue(t, db, fmt.Sprintf("test:%02d", i), 3)
	}
	relay.Wake()
	for i := range 2 * n {
		id := fmt.Sprintf("test:%02d", i)
		eventually(t, 20*time.Second, id+" to be done", func() bool { return jobStatus(t, db, id) == esign.JobDone })
	}
	mu.Lock()
	defer mu.Unlock()
	for id, c := range ran {
		if c != 1 {
			t.Errorf("job %s ran %d times", id, c)
		}
	}
	if relayConns.dialCount() < 2 || workerConns.dialCount() < 2 {
		t.Fatalf("dialled %d (relay) and %d (worker) times; want reconnections", relayConns.dialCount(), workerConns.dialCount())
	}
}
