package rabbitmq

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// dialFunc opens a connection named for the component that uses it; tests
// replace it to cut connections under the component.
type dialFunc func(url, name string) (*amqp.Connection, error)

// dial opens a connection that shows up under name in RabbitMQ's tools.
func dial(url, name string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	return amqp.DialConfig(url, amqp.Config{Properties: props})
}

// minReconnectDelay is the first wait before reconnecting; the wait doubles
// up to Config.MaxReconnectDelay while connecting keeps failing.
const minReconnectDelay = 100 * time.Millisecond

// healthySession is how long a session must have lasted for the next
// reconnection to start again from minReconnectDelay.
const healthySession = 10 * time.Second

// session is one component's work on one connection. It returns nil once
// ctx is done and it has shut down, and an error when the connection or one
// of its channels failed.
type session func(ctx context.Context, conn *amqp.Connection) error

// stayConnected runs s on a fresh connection, and again on a new one each
// time the connection drops, backing off while RabbitMQ is unreachable,
// until ctx is done.
func stayConnected(ctx context.Context, cfg Config, dial dialFunc, log *slog.Logger, name string, s session) error {
	delay := minReconnectDelay
	for {
		start := time.Now()
		err := runSession(ctx, cfg, dial, name, s)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > healthySession {
			delay = minReconnectDelay
		}
		log.Warn("rabbitmq connection lost; reconnecting", "component", name, "in", delay, "err", err)
		if !sleep(ctx, delay) {
			return nil
		}
		delay = min(2*delay, cfg.MaxReconnectDelay)
	}
}

// runSession dials, runs s, and closes the connection.
func runSession(ctx context.Context, cfg Config, dial dialFunc, name string, s session) error {
	conn, err := dial(cfg.URL, name)
	if err != nil {
		return fmt.Errorf("connect to rabbitmq: %w", err)
	}
	defer conn.Close()
	return s(ctx, conn)
}

// sleep waits for d or until ctx is done; false means ctx is done.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// closedErr reports why a channel closed: RabbitMQ's error, or a plain
// message when the client closed it.
func closedErr(what string, e *amqp.Error) error {
	if e == nil {
		return fmt.Errorf("%s closed", what)
	}
	return fmt.Errorf("%s closed: %w", what, e)
}

// withChannel runs fn on a channel of a new connection with the topology
// declared: for short administrative tasks.
func withChannel(cfg Config, fn func(ch *amqp.Channel, t topology) error) error {
	conn, err := dial(cfg.URL, "gsign admin")
	if err != nil {
		return fmt.Errorf("connect to rabbitmq: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close()
	t := topology{cfg.Prefix}
	if err := t.declare(ch); err != nil {
		return err
	}
	return fn(ch, t)
}
