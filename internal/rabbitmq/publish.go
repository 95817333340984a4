package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/gsign/gsign/internal/esign"
)

// publisher publishes on a channel in confirm mode: a message counts as
// published once the broker confirmed that it took responsibility for it
// (for a persistent message to a durable queue: wrote it to disk).
type publisher struct {
	ch      *amqp.Channel
	timeout time.Duration
}

// newPublisher opens a channel in confirm mode on conn.
func newPublisher(conn *amqp.Connection, timeout time.Duration) (*publisher, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	return &publisher{ch: ch, timeout: timeout}, nil
}

// publish sends msgs to exchange with key and waits for the broker's
// confirms. It reports which messages the broker acknowledged; the others
// were refused, timed out, or not sent because of the error it returns.
func (p *publisher) publish(ctx context.Context, exchange, key string, msgs []amqp.Publishing) ([]bool, error) {
	acked := make([]bool, len(msgs))
	pending := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	var sendErr error
	for _, m := range msgs {
		dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, m)
		if err != nil {
			sendErr = fmt.Errorf("publish to %s: %w", exchange, err)
			break
		}
		pending = append(pending, dc)
	}
	wctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	nacks := 0
	for i, dc := range pending {
		ok, err := dc.WaitContext(wctx)
		if err != nil {
			return acked, errors.Join(sendErr, fmt.Errorf("wait for publisher confirms: %w", err))
		}
		acked[i] = ok
		if !ok {
			nacks++
		}
	}
	if nacks > 0 {
		sendErr = errors.Join(sendErr, fmt.Errorf("rabbitmq did not confirm %d of %d messages", nacks, len(msgs)))
	}
	return acked, sendErr
}

// publishJobs publishes a message for each job to the work queue and
// returns the ids of the jobs the broker confirmed.
func (p *publisher) publishJobs(ctx context.Context, t topology, jobs []*esign.Job, now time.Time) ([]string, error) {
	msgs := make([]amqp.Publishing, len(jobs))
	for i, j := range jobs {
		msgs[i] = jobMessage(j.ID, j.Kind, now)
	}
	acked, err := p.publish(ctx, t.work(), workKey, msgs)
	ids := make([]string, 0, len(jobs))
	for i, ok := range acked {
		if ok {
			ids = append(ids, jobs[i].ID)
		}
	}
	return ids, err
}

// publishRetry publishes a message for the job to the retry queue that
// sends it back to the work queue after delay.
func (p *publisher) publishRetry(ctx context.Context, t topology, id, kind string, delay time.Duration) error {
	delay = min(max(delay, 0), maxRetryDelay)
	m := jobMessage(id, kind, time.Now())
	m.Expiration = fmt.Sprint(delay.Milliseconds())
	acked, err := p.publish(ctx, t.retry(), retryKey(retryTier(delay)), []amqp.Publishing{m})
	if err != nil {
		return fmt.Errorf("schedule retry of job %s: %w", id, err)
	}
	if !acked[0] {
		return fmt.Errorf("schedule retry of job %s: not confirmed", id)
	}
	return nil
}

// jobMessage is the message that asks a worker to run a job: it carries
// the job's id only, the job itself stays in the database.
func jobMessage(id, kind string, now time.Time) amqp.Publishing {
	return amqp.Publishing{
		DeliveryMode: amqp.Persistent,
		MessageId:    id,
		Type:         kind,
		ContentType:  "text/plain",
		Body:         []byte(id),
		Timestamp:    now,
		AppId:        "gsign",
	}
}

// close closes the channel.
func (p *publisher) close() { _ = p.ch.Close() }
