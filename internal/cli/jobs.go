package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/rabbitmq"
)

const jobsUsage = `usage: gsign jobs list [--status pending|running|done|dead] [--limit N] [--json]
       gsign jobs dlq [--limit N] [--json]      (needs GSIGN_QUEUE_URL)
       gsign jobs replay ID... | --all-dead`

// runJobs inspects background jobs and brings dead ones back.
func runJobs(ctx context.Context, env Env, args []string) int {
	sub := map[string]func(context.Context, Env, []string) int{
		"list": runJobsList, "dlq": runJobsDLQ, "replay": runJobsReplay,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(env.Stderr, jobsUsage)
		return exitUsage
	}
	return sub[args[0]](ctx, env, args[1:])
}

// listedStatuses are the statuses `jobs list` shows by default: done jobs
// pile up and are rarely of interest.
var listedStatuses = []esign.JobStatus{esign.JobPending, esign.JobRunning, esign.JobDead}

func runJobsList(ctx context.Context, env Env, args []string) int {
	fs := commandFlags("jobs list", env)
	status := fs.String("status", "", "only jobs with this status: pending, running, done or dead (default: all but done)")
	limit := fs.Int("limit", 100, "at most this many jobs of each status")
	asJSON := fs.Bool("json", false, "print JSON lines")
	a, code := openForCommand(ctx, env, fs, args, false)
	if a == nil {
		return code
	}
	defer a.Close()
	statuses := listedStatuses
	if *status != "" {
		s := esign.JobStatus(*status)
		if !slices.Contains(append(listedStatuses, esign.JobDone), s) {
			return fail(env, fmt.Errorf("jobs list: unknown status %q (want pending, running, done or dead)", *status))
		}
		statuses = []esign.JobStatus{s}
	}
	var list []*esign.Job
	err := a.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		for _, s := range statuses {
			js, err := tx.JobsByStatus(ctx, s, *limit)
			if err != nil {
				return err
			}
			list = append(list, js...)
		}
		return nil
	})
	if err != nil {
		return fail(env, fmt.Errorf("list jobs: %w", err))
	}
	return printJobs(env, list, *asJSON)
}

// jobLine is a job as `jobs list --json` prints it; the payload stays out,
// as it may hold personal data.
type jobLine struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	RunAt       time.Time `json:"run_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	LastError   string    `json:"last_error,omitempty"`
}

func printJobs(env Env, list []*esign.Job, asJSON bool) int {
	enc := json.NewEncoder(env.Stdout)
	for _, j := range list {
		if asJSON {
			if err := enc.Encode(jobLine{j.ID, j.Kind, string(j.Status), j.Attempts, j.MaxAttempts, j.RunAt, j.UpdatedAt, j.LastError}); err != nil {
				return fail(env, err)
			}
			continue
		}
		fmt.Fprintf(env.Stdout, "%-8s %-40s %-9s %2d/%-2d  %s  %s\n", j.Status, j.ID, j.Kind, j.Attempts, j.MaxAttempts,
			j.RunAt.Format(time.RFC3339), oneLine(j.LastError))
	}
	if !asJSON {
		fmt.Fprintf(env.Stdout, "%d jobs\n", len(list))
	}
	return exitOK
}

// oneLine keeps an error message on its line of a listing.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func runJobsDLQ(ctx context.Context, env Env, args []string) int {
	fs := commandFlags("jobs dlq", env)
	limit := fs.Int("limit", 1000, "at most this many messages")
	asJSON := fs.Bool("json", false, "print JSON lines")
	a, code := openForCommand(ctx, env, fs, args, false)
	if a == nil {
		return code
	}
	defer a.Close()
	qc, err := commandQueue(a)
	if err != nil {
		return fail(env, err)
	}
	msgs, err := rabbitmq.PeekDead(ctx, qc, *limit)
	if err != nil {
		return fail(env, err)
	}
	for _, m := range msgs {
		if err := printDeadMessage(ctx, env, a, m, *asJSON); err != nil {
			return fail(env, err)
		}
	}
	if !*asJSON {
		fmt.Fprintf(env.Stdout, "%d messages in the dead-letter queue\n", len(msgs))
	}
	return exitOK
}

// commandQueue is the queue of a command that cannot do without one.
func commandQueue(a *app) (rabbitmq.Config, error) {
	if a.cfg.QueueURL == "" {
		return rabbitmq.Config{}, errors.New("no job queue is configured: set GSIGN_QUEUE_URL")
	}
	return queueConfig(a)
}

// printDeadMessage prints a dead letter with its job's state in the
// database, which has the error the message lacks.
func printDeadMessage(ctx context.Context, env Env, a *app, m rabbitmq.DeadMessage, asJSON bool) error {
	status, lastErr := "unknown", ""
	err := a.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		j, err := tx.JobByID(ctx, m.JobID)
		if err == nil {
			status, lastErr = string(j.Status), j.LastError
		}
		if esign.IsKind(err, esign.KindNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("read job %s: %w", m.JobID, err)
	}
	if asJSON {
		return json.NewEncoder(env.Stdout).Encode(map[string]any{"job_id": m.JobID, "kind": m.Kind, "dead_at": m.DeadAt,
			"reason": m.Reason, "job_status": status, "last_error": lastErr})
	}
	_, err = fmt.Fprintf(env.Stdout, "%-40s %-9s %s  job %s  %s\n", m.JobID, m.Kind, m.DeadAt.Format(time.RFC3339), status, oneLine(lastErr))
	return err
}

func runJobsReplay(ctx context.Context, env Env, args []string) int {
	fs := commandFlags("jobs replay", env)
	allDead := fs.Bool("all-dead", false, "replay every dead job")
	a, code := openForCommand(ctx, env, fs, args, false)
	if a == nil {
		return code
	}
	defer a.Close()
	ids := fs.Args()
	if *allDead == (len(ids) > 0) {
		fmt.Fprintln(env.Stderr, "usage: gsign jobs replay ID... | --all-dead")
		return exitUsage
	}
	if *allDead {
		var err error
		if ids, err = deadJobIDs(ctx, a); err != nil {
			return fail(env, err)
		}
	}
	replayed, failed := replayJobs(ctx, env, a, ids)
	if err := dropDeadLetters(ctx, a, replayed); err != nil {
		fmt.Fprintf(env.Stderr, "gsign: the jobs are pending again, but their messages stay in the dead-letter queue: %v\n", err)
		failed++
	}
	fmt.Fprintf(env.Stdout, "%d jobs replayed\n", len(replayed))
	if failed > 0 {
		return exitUsage
	}
	return exitOK
}

// deadJobIDs lists the ids of every dead job.
func deadJobIDs(ctx context.Context, a *app) ([]string, error) {
	var ids []string
	err := a.db.View(ctx, func(ctx context.Context, tx esign.Tx) error {
		js, err := tx.JobsByStatus(ctx, esign.JobDead, 0)
		for _, j := range js {
			ids = append(ids, j.ID)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list dead jobs: %w", err)
	}
	return ids, nil
}

// replayJobs makes each dead job pending again, each in its own
// transaction, and returns those it replayed and how many it could not.
func replayJobs(ctx context.Context, env Env, a *app, ids []string) ([]string, int) {
	var replayed []string
	failed := 0
	for _, id := range ids {
		err := a.db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error { return tx.ReplayJob(ctx, id, tx.Now()) })
		var e *esign.Error
		switch {
		case errors.As(err, &e):
			fmt.Fprintf(env.Stderr, "gsign: replay %s: %s\n", id, e.Message)
			failed++
		case err != nil:
			fmt.Fprintf(env.Stderr, "gsign: replay %s: %v\n", id, err)
			failed++
		default:
			fmt.Fprintf(env.Stdout, "replayed %s\n", id)
			replayed = append(replayed, id)
		}
	}
	return replayed, failed
}

// dropDeadLetters removes the replayed jobs' messages from the dead-letter
// queue, if there is a queue: the relay publishes the jobs afresh.
func dropDeadLetters(ctx context.Context, a *app, ids []string) error {
	if a.cfg.QueueURL == "" || len(ids) == 0 {
		return nil
	}
	qc, err := queueConfig(a)
	if err != nil {
		return err
	}
	_, err = rabbitmq.RemoveDead(ctx, qc, ids)
	return err
}
