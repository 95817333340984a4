package rabbitmq

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/gsign/gsign/internal/esign"
)

// Relay moves jobs from the database to RabbitMQ: it publishes each
// committed, due job that was not published yet, and marks it published
// once the broker confirmed the message. Reading and marking happen in one
// transaction that holds the rows (FOR UPDATE SKIP LOCKED on PostgreSQL), so
// relays in several processes split the work; a crash between the confirm and
// the commit publishes the job again later, which consumers tolerate.
//
// The same query is the safety sweep: a job published more than
// Config.StaleAfter ago that is still runnable lost its message (or its
// worker), and is published again.
type Relay struct {
	store esign.Store
	cfg   Config
	log   *slog.Logger
	topo  topology
	wake  chan struct{}
	dial  dialFunc
}

// NewRelay returns a Relay that publishes the jobs of store.
func NewRelay(store esign.Store, cfg Config, log *slog.Logger) *Relay {
	cfg = cfg.withDefaults()
	return &Relay{store: store, cfg: cfg, log: log, topo: topology{cfg.Prefix}, wake: make(chan struct{}, 1), dial: dial}
}

// Wake tells the relay that jobs may be waiting, so that it publishes them
// now rather than at its next interval. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes jobs until ctx is done, reconnecting whenever the
// connection drops.
func (r *Relay) Run(ctx context.Context) error {
	return stayConnected(ctx, r.cfg, r.dial, r.log, "gsign relay", r.session)
}

// session publishes on one connection, whenever woken and at every
// interval, until ctx is done or the channel fails.
func (r *Relay) session(ctx context.Context, conn *amqp.Connection) error {
	pub, err := newPublisher(conn, r.cfg.ConfirmTimeout)
	if err != nil {
		return err
	}
	defer pub.close()
	if err := r.topo.declare(pub.ch); err != nil {
		return err
	}
	closed := pub.ch.NotifyClose(make(chan *amqp.Error, 1))
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for {
		if err := r.drain(ctx, pub); err != nil && ctx.Err() == nil {
			if pub.ch.IsClosed() {
				return err
			}
			r.log.Error("publish jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case e := <-closed:
			return closedErr("relay channel", e)
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// drain publishes batches of jobs until fewer than a batch are left.
func (r *Relay) drain(ctx context.Context, pub *publisher) error {
	for {
		n, err := r.publishBatch(ctx, pub)
		if err != nil || n < r.cfg.Batch {
			return err
		}
	}
}

// publishBatch publishes up to a batch of jobs, marks those the broker
// confirmed, and reports how many it found. Publishing is a side effect
// inside the transaction: if the store runs the transaction again, jobs are
// published twice, which consumers tolerate.
func (r *Relay) publishBatch(ctx context.Context, pub *publisher) (int, error) {
	var found, published int
	var pubErr error
	err := r.store.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		now := tx.Now()
		jobs, err := tx.UnpublishedJobs(ctx, now, now.Add(-r.cfg.StaleAfter), r.cfg.Batch)
		if err != nil || len(jobs) == 0 {
			found = 0
			return err
		}
		ids, err := pub.publishJobs(ctx, r.topo, jobs, now)
		found, published, pubErr = len(jobs), len(ids), err
		return tx.MarkJobsPublished(ctx, ids, now)
	})
	if err != nil {
		return 0, fmt.Errorf("publish jobs: %w", err)
	}
	if published > 0 {
		r.log.Debug("published jobs", "count", published)
	}
	return found, pubErr
}
