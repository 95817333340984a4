package rabbitmq

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/gsign/gsign/internal/esign"
)

func TestParseQueueURL(t *testing.T) {
	tests := []struct {
		name, raw, wantURL, wantPrefix, wantErr string
	}{
		{"plain", "amqp://u:p@mq:5672/gsign", "amqp://u:p@mq:5672/gsign", "gsign", ""},
		{"prefix taken out", "amqp://u:p@mq/vh?prefix=acme-prod&heartbeat=5", "amqp://u:p@mq/vh?heartbeat=5", "acme-prod", ""},
		{"bad prefix", "amqp://mq/?prefix=a*b", "", "", "prefix"},
		{"not amqp", "http://mq/", "", "", "scheme"},
		{"unparsable, password not shown", "amqp://u:secret@mq:99999999999/", "", "", "queue URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want one about %q without the password", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.URL != tt.wantURL || cfg.Prefix != tt.wantPrefix || cfg.Concurrency < 1 || cfg.StaleAfter <= 0 {
				t.Fatalf("got %+v, %v; want URL %s, prefix %s, defaults set", cfg, err, tt.wantURL, tt.wantPrefix)
			}
		})
	}
}

func TestRetryQueueTiers(t *testing.T) {
	tests := []struct {
		delay time.Duration
		want  int
	}{
		{0, 0}, {500 * time.Millisecond, 0}, {time.Second, 0}, {1999 * time.Millisecond, 0},
		{2 * time.Second, 1}, {time.Minute, 5}, {time.Hour, 11}, {100 * time.Hour, retryTiers - 1},
	}
	for _, tt := range tests {
		if got := retryTier(tt.delay); got != tt.want {
			t.Errorf("retryTier(%v) = %d, want %d", tt.delay, got, tt.want)
		}
	}
}

// TestRelayPublishesCommittedJobsOnly: a job whose transaction rolled back
// is never published, even when the relay runs while it is open; a
// committed one is published once, as a persistent message named by the
// job, and marked.
func TestRelayPublishesCommittedJobsOnly(t *testing.T) {
	cfg := testConfig(t)
	db := openStore(t)
	b := openBroker(t, cfg)
	relay := NewRelay(db, cfg, testLog(t))
	enqueue(t, db, "test:committed", 3)
	start(t, relay.Run)

	errRollback := errors.New("roll back")
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		if _, err := tx.EnqueueJob(ctx, &esign.Job{ID: "test:rolled-back", Kind: "test", Payload: []byte(`{}`),
			Status: esign.JobPending, RunAt: tx.Now(), MaxAttempts: 3, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}); err != nil {
			return err
		}
		relay.Wake()
		time.Sleep(200 * time.Millisecond) // the relay tries to read meanwhile
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var got []amqp.Delivery
	eventually(t, 10*time.Second, "the committed job's message", func() bool {
		if d, ok := b.get(cfg.Prefix + ".work"); ok {
			got = append(got, d)
		}
		return len(got) > 0
	})
	relay.Wake()
	time.Sleep(5 * cfg.Interval)
	for d, ok := b.get(cfg.Prefix + ".work"); ok; d, ok = b.get(cfg.Prefix + ".work") {
		got = append(got, d)
	}
	if len(got) != 1 {
		t.Fatalf("published %d messages, want only the committed job's", len(got))
	}
	if d := got[0]; d.MessageId != "test:committed" || d.Type != "test" || d.DeliveryMode != amqp.Persistent {
		t.Fatalf("message id %q, type %q, delivery mode %d; want the job's id and kind, persistent", d.MessageId, d.Type, d.DeliveryMode)
	}
	assertNothingToPublish(t, db, cfg)
}

func assertNothingToPublish(t *testing.T, db esign.Store, cfg Config) {
	t.Helper()
	err := db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
		js, err := tx.UnpublishedJobs(ctx, tx.Now(), tx.Now().Add(-cfg.StaleAfter), 10)
		if err == nil && len(js) > 0 {
			t.Errorf("job %s still unpublished", js[0].ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRelaySweepRepublishesLostMessage: the queue loses a published job's
// message (purged here); once the job has been due and unclaimed for
// StaleAfter the relay publishes it again, and a worker runs it.
func TestRelaySweepRepublishesLostMessage(t *testing.T) {
	cfg := testConfig(t)
	cfg.StaleAfter = time.Second
	db := openStore(t)
	b := openBroker(t, cfg)
	enqueue(t, db, "test:lost", 3)
	start(t, NewRelay(db, cfg, testLog(t)).Run)
	work := cfg.Prefix + ".work"
	eventually(t, 10*time.Second, "the job's message", func() bool { return b.ready(work) == 1 })
	if _, err := b.ch.QueuePurge(work, false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfg.StaleAfter / 4)
	if n := b.ready(work); n != 0 {
		t.Fatalf("%d messages republished before the job was stale", n)
	}
	eventually(t, 10*time.Second, "the lost message to be republished", func() bool { return b.ready(work) == 1 })
	ran := make(chan string, 10)
	start(t, NewConsumer(cfg, runByID(runner(db, func(ctx context.Context, j *esign.Job) error { ran <- j.ID; return nil })), testLog(t)).Run)
	eventually(t, 10*time.Second, "the job to be done", func() bool { return jobStatus(t, db, "test:lost") == esign.JobDone })
	if len(ran) != 1 {
		t.Fatalf("the job ran %d times, want once", len(ran))
	}
}
