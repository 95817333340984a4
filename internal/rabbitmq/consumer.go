package rabbitmq

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Verdict says how to settle the message of a job that was asked to run.
type Verdict int

// Verdicts.
const (
	// Settled: the job is done, or there was nothing to do (the job is not
	// runnable: done, dead, unknown, or taken by a live worker). Ack.
	Settled Verdict = iota
	// RetryLater: the job must run again after Outcome.Delay. The message
	// goes to a retry queue that sends it back then.
	RetryLater
	// DeadLetter: the job failed for good. The message goes to the
	// dead-letter queue.
	DeadLetter
)

// Outcome is what became of a job that a message asked to run.
type Outcome struct {
	Verdict Verdict
	Delay   time.Duration // for RetryLater
}

// RunFunc runs the job with the id, if it is runnable, and records its
// outcome in the database before it returns. An error means it could not
// (the database is unreachable, say): the message is requeued after a pause.
type RunFunc func(ctx context.Context, jobID string) (Outcome, error)

// Consumer runs the jobs whose ids arrive on the work queue, at most
// Config.Concurrency at once, and acknowledges each message only once the
// job's outcome is in the database, so a crash at any point leaves the
// message to be delivered again.
type Consumer struct {
	cfg      Config
	run      RunFunc
	log      *slog.Logger
	topo     topology
	dial     dialFunc
	slots    chan struct{}
	inflight sync.WaitGroup
}

// NewConsumer returns a Consumer that runs jobs with run.
func NewConsumer(cfg Config, run RunFunc, log *slog.Logger) *Consumer {
	cfg = cfg.withDefaults()
	return &Consumer{cfg: cfg, run: run, log: log, topo: topology{cfg.Prefix}, dial: dial,
		slots: make(chan struct{}, cfg.Concurrency)}
}

// Run consumes until ctx is done, reconnecting whenever the connection
// drops, then waits for the jobs it started.
func (c *Consumer) Run(ctx context.Context) error {
	defer c.inflight.Wait()
	return stayConnected(ctx, c.cfg, c.dial, c.log, "gsign worker", c.session)
}

// session consumes on one connection. When ctx is done it stops taking
// messages and waits for running jobs, so that they can still settle their
// messages on the open channel.
func (c *Consumer) session(ctx context.Context, conn *amqp.Connection) error {
	pub, err := newPublisher(conn, c.cfg.ConfirmTimeout)
	if err != nil {
		return err
	}
	defer pub.close()
	deliveries, tag, err := c.consume(conn, pub.ch)
	if err != nil {
		return err
	}
	pubClosed := pub.ch.NotifyClose(make(chan *amqp.Error, 1))
	for {
		select {
		case <-ctx.Done():
			c.stop(deliveries.ch, tag)
			return nil
		case e := <-pubClosed:
			return closedErr("retry channel", e)
		case d, ok := <-deliveries.in:
			if !ok {
				return errors.New("delivery channel closed")
			}
			c.dispatch(ctx, pub, d)
		}
	}
}

// deliveryChannel is a channel consuming the work queue.
type deliveryChannel struct {
	ch *amqp.Channel
	in <-chan amqp.Delivery
}

// consume declares the topology (on the publisher's channel) and starts
// consuming the work queue with a prefetch of Concurrency on a channel of
// its own, which closes with the connection.
func (c *Consumer) consume(conn *amqp.Connection, declareOn *amqp.Channel) (deliveryChannel, string, error) {
	if err := c.topo.declare(declareOn); err != nil {
		return deliveryChannel{}, "", err
	}
	ch, err := conn.Channel()
	if err != nil {
		return deliveryChannel{}, "", err
	}
	if err := ch.Qos(c.cfg.Concurrency, 0, false); err != nil {
		return deliveryChannel{}, "", err
	}
	tag := "gsign-worker-" + rand.Text()
	in, err := ch.Consume(c.topo.work(), tag, false, false, false, false, nil)
	if err != nil {
		return deliveryChannel{}, "", err
	}
	return deliveryChannel{ch: ch, in: in}, tag, nil
}

// stop cancels the subscription and waits for running jobs. Messages that
// were delivered but not started go back to the queue when the connection
// closes.
func (c *Consumer) stop(ch *amqp.Channel, tag string) {
	if err := ch.Cancel(tag, false); err != nil {
		c.log.Debug("cancel consumer", "err", err)
	}
	c.inflight.Wait()
}

// dispatch runs the message's job on a free slot. Slots are shared by
// sessions: jobs of a dropped connection still run while a new one
// delivers.
func (c *Consumer) dispatch(ctx context.Context, pub *publisher, d amqp.Delivery) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	c.inflight.Add(1)
	go func() {
		defer func() { <-c.slots; c.inflight.Done() }()
		c.handle(ctx, pub, d)
	}()
}

// handle runs the job of one message and settles the message by the
// outcome. The job runs to its end even if ctx ends meanwhile: the runner
// bounds it by its lease.
func (c *Consumer) handle(ctx context.Context, pub *publisher, d amqp.Delivery) {
	id := d.MessageId
	if id == "" {
		c.log.Error("message without a job id; dead-lettered", "delivery_tag", d.DeliveryTag)
		c.settle(id, "dead-letter", d.Nack(false, false))
		return
	}
	out, err := c.run(context.WithoutCancel(ctx), id)
	if err != nil {
		c.requeue(ctx, d, "run job", err)
		return
	}
	switch out.Verdict {
	case RetryLater:
		if err := pub.publishRetry(context.WithoutCancel(ctx), c.topo, id, d.Type, out.Delay); err != nil {
			c.requeue(ctx, d, "schedule retry", err)
			return
		}
		c.settle(id, "ack", d.Ack(false))
	case DeadLetter:
		c.settle(id, "dead-letter", d.Nack(false, false))
	default:
		c.settle(id, "ack", d.Ack(false))
	}
}

// requeue returns a message to the work queue after a pause (none once ctx
// is done), for a failure that another try may not have.
func (c *Consumer) requeue(ctx context.Context, d amqp.Delivery, what string, err error) {
	c.log.Warn(what+"; requeueing its message", "job", d.MessageId, "in", c.cfg.Pause, "err", err)
	sleep(ctx, c.cfg.Pause)
	c.settle(d.MessageId, "requeue", d.Nack(false, true))
}

// settle logs a failure to settle a message: its channel is gone, and the
// broker delivers the message again, which the job's state makes harmless.
func (c *Consumer) settle(id, how string, err error) {
	if err != nil {
		c.log.Info("could not settle message; it will be delivered again", "job", id, "settle", how, "err", err)
	}
}
