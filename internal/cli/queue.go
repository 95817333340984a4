package cli

import (
	"context"
	"time"

	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/rabbitmq"
)

// staleGrace is how long, beyond a job's lease, a published job may stay
// runnable before the relay assumes RabbitMQ lost its message and publishes
// it again. It should exceed the longest backlog the work queue normally
// has: a longer one is republished, which is harmless but wasteful.
const staleGrace = 5 * time.Minute

// queueTasks wires the RabbitMQ job queue for this process's roles, in place
// of the worker's database polling: the relay, which publishes committed
// jobs, runs in the scheduler role and is woken by every enqueue of this
// process; the consumer, which runs the jobs messages ask for, runs in the
// worker role.
func (a *app) queueTasks() ([]func(context.Context) error, error) {
	qc, err := queueConfig(a)
	if err != nil {
		return nil, err
	}
	var tasks []func(context.Context) error
	if a.cfg.HasRole("scheduler") {
		relay := rabbitmq.NewRelay(a.db, qc, a.log)
		a.svc.Wake = relay.Wake
		tasks = append(tasks, relay.Run)
	}
	if a.cfg.HasRole("worker") {
		tasks = append(tasks, rabbitmq.NewConsumer(qc, a.runQueuedJob, a.log).Run)
	}
	return tasks, nil
}

// queueConfig reads the queue URL and sizes the queue like the job runner.
func queueConfig(a *app) (rabbitmq.Config, error) {
	qc, err := rabbitmq.ParseURL(a.cfg.QueueURL)
	if err != nil {
		return qc, err
	}
	qc.Concurrency = a.cfg.JobConcurrency
	qc.StaleAfter = a.cfg.JobLease + staleGrace
	return qc, nil
}

// runQueuedJob runs the job a message names, and tells the consumer how to
// settle the message.
func (a *app) runQueuedJob(ctx context.Context, id string) (rabbitmq.Outcome, error) {
	out, err := a.runner.RunByID(ctx, id)
	if err != nil {
		return rabbitmq.Outcome{}, err
	}
	return queueOutcome(out, a.svc.Clock.Now()), nil
}

// queueOutcome translates the runner's outcome for the consumer.
func queueOutcome(out jobs.Outcome, now time.Time) rabbitmq.Outcome {
	switch out.Result {
	case jobs.Retry:
		return rabbitmq.Outcome{Verdict: rabbitmq.RetryLater, Delay: out.RetryAt.Sub(now)}
	case jobs.Dead:
		return rabbitmq.Outcome{Verdict: rabbitmq.DeadLetter}
	}
	return rabbitmq.Outcome{Verdict: rabbitmq.Settled}
}
