package rabbitmq

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DeadMessage is a message in the dead-letter queue: a job that used up its
// attempts or failed for good. The job's state and last error are in the
// database, which is the source of truth.
type DeadMessage struct {
	JobID string
	Kind  string
	// Reason and Queue say why and from where RabbitMQ dead-lettered it
	// last ("rejected" from the work queue, normally), and DeadAt when.
	Reason string
	Queue  string
	DeadAt time.Time
}

// PeekDead lists up to limit messages of the dead-letter queue, oldest
// first, and leaves them there.
func PeekDead(ctx context.Context, cfg Config, limit int) ([]DeadMessage, error) {
	var out []DeadMessage
	err := withChannel(cfg.withDefaults(), func(ch *amqp.Channel, t topology) error {
		return scanQueue(ctx, ch, t.dead(), limit, func(d amqp.Delivery) bool {
			out = append(out, deadMessage(d))
			return false
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list dead-letter queue: %w", err)
	}
	return out, nil
}

// RemoveDead deletes the messages of the jobs with the ids from the
// dead-letter queue, and reports how many it deleted.
func RemoveDead(ctx context.Context, cfg Config, ids []string) (int, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	err := withChannel(cfg.withDefaults(), func(ch *amqp.Channel, t topology) error {
		return scanQueue(ctx, ch, t.dead(), -1, func(d amqp.Delivery) bool {
			if want[d.MessageId] {
				n++
				return true
			}
			return false
		})
	})
	if err != nil {
		return n, fmt.Errorf("remove jobs from the dead-letter queue: %w", err)
	}
	return n, nil
}

// DeleteTopology deletes the exchanges and queues of cfg.Prefix, and every
// message in them: for tests, and to decommission an installation.
func DeleteTopology(cfg Config) error {
	return withChannel(cfg.withDefaults(), func(ch *amqp.Channel, t topology) error { return t.remove(ch) })
}

// scanQueue gets up to limit (all if negative) of the messages the queue
// holds now, one at a time, and acknowledges (deletes) those visit returns
// true for. The others stay unacknowledged until the channel closes, so
// each message is seen once, and then go back to the queue.
func scanQueue(ctx context.Context, ch *amqp.Channel, queue string, limit int, visit func(amqp.Delivery) bool) error {
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		return err
	}
	n := q.Messages
	if limit >= 0 {
		n = min(n, limit)
	}
	for range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, ok, err := ch.Get(queue, false)
		if err != nil || !ok {
			return err
		}
		if visit(d) {
			if err := d.Ack(false); err != nil {
				return err
			}
		}
	}
	return nil
}

// deadMessage reads a dead-lettered message and its most recent x-death
// record.
func deadMessage(d amqp.Delivery) DeadMessage {
	m := DeadMessage{JobID: d.MessageId, Kind: d.Type}
	deaths, _ := d.Headers["x-death"].([]any)
	if len(deaths) == 0 {
		return m
	}
	last, _ := deaths[0].(amqp.Table)
	m.Reason, _ = last["reason"].(string)
	m.Queue, _ = last["queue"].(string)
	m.DeadAt, _ = last["time"].(time.Time)
	return m
}
