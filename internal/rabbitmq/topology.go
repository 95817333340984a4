package rabbitmq

import (
	"fmt"
	"math/bits"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// topology names GSign's exchanges and queues, all starting with a prefix:
//
//	<p>.work   direct exchange and durable queue the consumers read; a
//	           message rejected without requeue goes to <p>.dead
//	<p>.retry  direct exchange to the retry queues <p>.retry.<n>s, which
//	           nobody reads: a message waits there for its expiration, then
//	           is dead-lettered back to <p>.work
//	<p>.dead   fanout exchange and queue of jobs that exhausted their attempts
//
// RabbitMQ expires messages only from the head of a queue, so one queue with
// per-message TTLs would hold a 2-second retry behind a 1-hour one. Retry
// queue n holds delays from n up to 2n seconds instead, so no message waits
// more than twice its delay.
type topology struct{ prefix string }

// workKey routes messages from the work exchange to the work queue.
const workKey = "job"

// retryTiers is how many retry queues there are: delays of 1s, 2s, 4s …
// up to 2^(retryTiers-1) seconds and beyond.
const retryTiers = 13

// maxRetryDelay is the longest a message waits in a retry queue. A job due
// later comes back early, finds itself not due, and waits again.
const maxRetryDelay = time.Duration(2<<(retryTiers-1)) * time.Second

func (t topology) work() string            { return t.prefix + ".work" }
func (t topology) retry() string           { return t.prefix + ".retry" }
func (t topology) dead() string            { return t.prefix + ".dead" }
func (t topology) retryQueue(n int) string { return t.retry() + "." + retryKey(n) }

// retryKey routes to retry queue n (of 1<<n seconds) from the retry exchange.
func retryKey(n int) string { return fmt.Sprintf("%ds", 1<<n) }

// retryTier picks the retry queue for a delay: the one whose range of
// delays, [2^n, 2^(n+1)) seconds, holds it.
func retryTier(d time.Duration) int {
	s := uint64(max(d/time.Second, 1))
	return min(bits.Len64(s)-1, retryTiers-1)
}

// declare creates the exchanges, queues and bindings, or checks that they
// exist as declared; it is safe to run at every connection.
func (t topology) declare(ch *amqp.Channel) error {
	exchanges := []struct{ name, kind string }{{t.work(), amqp.ExchangeDirect}, {t.retry(), amqp.ExchangeDirect}, {t.dead(), amqp.ExchangeFanout}}
	for _, e := range exchanges {
		if err := ch.ExchangeDeclare(e.name, e.kind, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", e.name, err)
		}
	}
	if err := t.declareQueue(ch, t.work(), t.work(), workKey, amqp.Table{"x-dead-letter-exchange": t.dead()}); err != nil {
		return err
	}
	if err := t.declareQueue(ch, t.dead(), t.dead(), "", nil); err != nil {
		return err
	}
	back := amqp.Table{"x-dead-letter-exchange": t.work(), "x-dead-letter-routing-key": workKey}
	for n := range retryTiers {
		if err := t.declareQueue(ch, t.retryQueue(n), t.retry(), retryKey(n), back); err != nil {
			return err
		}
	}
	return nil
}

// declareQueue declares a durable queue and binds it to exchange with key.
func (t topology) declareQueue(ch *amqp.Channel, name, exchange, key string, args amqp.Table) error {
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		return fmt.Errorf("declare queue %s: %w", name, err)
	}
	if err := ch.QueueBind(name, key, exchange, false, nil); err != nil {
		return fmt.Errorf("bind queue %s to %s: %w", name, exchange, err)
	}
	return nil
}

// remove deletes the queues, with their messages, and the exchanges.
func (t topology) remove(ch *amqp.Channel) error {
	queues := []string{t.work(), t.dead()}
	for n := range retryTiers {
		queues = append(queues, t.retryQueue(n))
	}
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			return fmt.Errorf("delete queue %s: %w", q, err)
		}
	}
	for _, e := range []string{t.work(), t.retry(), t.dead()} {
		if err := ch.ExchangeDelete(e, false, false); err != nil {
			return fmt.Errorf("delete exchange %s: %w", e, err)
		}
	}
	return nil
}
