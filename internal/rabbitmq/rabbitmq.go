// Package rabbitmq carries GSign's outbox jobs over RabbitMQ, so that many
// workers share the load without all polling the database.
//
// The database stays the source of truth. A Relay publishes the id of each
// due job that was committed and not yet published, with publisher
// confirms, and only then marks it published; a Consumer runs each job whose
// id it receives through a callback that claims the job by id, conditionally,
// so a duplicate or stale message is harmless. Retries wait in retry queues
// (per-message TTL) that dead-letter back to the work queue; jobs that used up
// their attempts are dead-lettered to a dead-letter queue for inspection. A
// safety sweep in the relay republishes jobs whose message got lost.
package rabbitmq

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Config is where RabbitMQ is and how the relay and the consumer behave.
// ParseURL fills in the defaults.
type Config struct {
	// URL is the amqp:// or amqps:// URL to dial, without the prefix
	// parameter ParseURL takes out.
	URL string
	// Prefix starts the name of every exchange and queue, so that several
	// GSign installations (or tests) can share a virtual host.
	Prefix string
	// Concurrency is how many jobs a consumer runs at once, and its prefetch.
	Concurrency int
	// Interval is how often the relay looks for jobs to publish when no one
	// wakes it: the delay for jobs enqueued by other processes or due later.
	Interval time.Duration
	// Batch is how many jobs the relay publishes per transaction.
	Batch int
	// StaleAfter is how long a published job may stay runnable (due and not
	// claimed, or with a lease that ran out) before the relay assumes its
	// message was lost and publishes it again. It must exceed the time a
	// message normally waits in the queue: a longer backlog is republished,
	// which is harmless but wasteful.
	StaleAfter time.Duration
	// ConfirmTimeout bounds the wait for the broker to confirm a publish.
	ConfirmTimeout time.Duration
	// Pause is how long a consumer waits before it requeues a message whose
	// job could not be run for a reason outside the job (the database is
	// down), so that it does not spin.
	Pause time.Duration
	// MaxReconnectDelay caps the backoff between reconnection attempts.
	MaxReconnectDelay time.Duration
}

// prefixParam is the query parameter of the queue URL that sets Prefix.
const prefixParam = "prefix"

// validPrefix keeps names readable and free of characters that mean
// something in management tools.
var validPrefix = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$`)

// ParseURL reads a queue URL, amqp://user:pass@host:5672/vhost, optionally
// with ?prefix=name for the names of exchanges and queues ("gsign" if
// unset), and returns a Config with defaults for everything else.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URL, password included.
		return Config{}, fmt.Errorf("queue URL: not a valid URL")
	}
	q := u.Query()
	prefix := q.Get(prefixParam)
	if prefix == "" {
		prefix = "gsign"
	}
	if !validPrefix.MatchString(prefix) {
		return Config{}, fmt.Errorf("queue URL: prefix %q: want letters, digits, '.', '_' or '-'", prefix)
	}
	q.Del(prefixParam)
	u.RawQuery = q.Encode()
	if _, err := amqp.ParseURI(u.String()); err != nil {
		return Config{}, fmt.Errorf("queue URL: %w", err)
	}
	return Config{URL: u.String(), Prefix: prefix}.withDefaults(), nil
}

// withDefaults fills in the settings left zero.
func (c Config) withDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.Interval, time.Second)
	set(&c.StaleAfter, 10*time.Minute)
	set(&c.ConfirmTimeout, 10*time.Second)
	set(&c.Pause, 2*time.Second)
	set(&c.MaxReconnectDelay, 30*time.Second)
	if c.Concurrency < 1 {
		c.Concurrency = 2
	}
	if c.Batch < 1 {
		c.Batch = 100
	}
	if c.Prefix == "" {
		c.Prefix = "gsign"
	}
	return c
}
