package breaker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
	"github.com/gsign/gsign/internal/jobs"
	"github.com/gsign/gsign/internal/sqldb"
)

// smtpServer is a minimal real SMTP server on loopback. While down it
// hangs up on every connection at once, as a crashing server does; while up
// it accepts every message. It counts connections and keeps the messages.
type smtpServer struct {
	ln    net.Listener
	up    atomic.Bool
	conns atomic.Int64
	mu    sync.Mutex
	msgs  []string
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	if !s.up.Load() {
		return
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 test ESMTP")
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case cmd == "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, data.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// smtpMailer sends with the standard library's SMTP client: the breaker
// wraps whatever esign.Mailer cli picks.
type smtpMailer struct{ addr string }

func (m smtpMailer) Send(_ context.Context, e *esign.Email) error {
	return smtp.SendMail(m.addr, nil, "gsign@example.com", []string{e.To}, []byte("Subject: "+e.Subject+"\r\n\r\n"+e.Text+"\r\n"))
}

// TestOpenBreakerKeepsMailJobPending: a mail job that fails against a dead
// SMTP server opens the breaker; while it is open the job fails fast,
// without connecting, and stays pending even past its attempts; once the
// server is back and the breaker half-open, it is delivered exactly once.
func TestOpenBreakerKeepsMailJobPending(t *testing.T) {
	ctx := context.Background()
	srv := newSMTPServer(t)
	clock := esigntest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "gsign.db"), sqldb.Options{AutoMigrate: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const openFor = 200 * time.Millisecond
	b := breaker.NewSet(breaker.Settings{Failures: 2, OpenFor: openFor}).Get("smtp")
	mailer := &breaker.Sender[esign.Email]{Next: smtpMailer{srv.ln.Addr().String()}, Breaker: b}
	handle := func(ctx context.Context, j *esign.Job) error {
		var e esign.Email
		if err := json.Unmarshal(j.Payload, &e); err != nil {
			return &esign.PermanentError{Err: err}
		}
		return mailer.Send(ctx, &e)
	}
	cfg := jobs.DefaultConfig("test")
	cfg.BaseBackoff, cfg.MaxBackoff = time.Second, time.Second
	runner := jobs.New(db, handle, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	payload, _ := json.Marshal(esign.Email{To: "ana@example.com", Subject: "Please sign: Lease", Text: "https://x/s/gst_1"})
	err = db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
		_, err := tx.EnqueueJob(ctx, &esign.Job{ID: "mail:sign_request:env_1:rcp_1", Kind: esign.JobMail, Payload: payload,
			Status: esign.JobPending, RunAt: tx.Now(), MaxAttempts: 3, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	job := func() *esign.Job {
		var j *esign.Job
		err := db.View(ctx, func(ctx context.Context, tx esign.Tx) (err error) {
			j, err = tx.JobByID(ctx, "mail:sign_request:env_1:rcp_1")
			return
		})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	for attempt := 1; attempt <= 5; attempt++ { // 2 reach the server, then 3 fail fast: past MaxAttempts
		if n, err := runner.RunPending(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: ran %d jobs, %v", attempt, n, err)
		}
		if j := job(); j.Status != esign.JobPending || j.Attempts != attempt {
			t.Fatalf("attempt %d: job %s after %d attempts (%s), want pending", attempt, j.Status, j.Attempts, j.LastError)
		}
		clock.Advance(2 * time.Second)
	}
	if n := srv.conns.Load(); n != 2 || b.State() != breaker.Open {
		t.Fatalf("%d connections, breaker %s; want 2 and open", n, b.State())
	}
	if j := job(); !strings.Contains(j.LastError, "smtp is unavailable") {
		t.Fatalf("last error %q, want the open breaker's", j.LastError)
	}
	srv.up.Store(true)
	time.Sleep(openFor + 50*time.Millisecond)
	if n, err := runner.RunPending(ctx); err != nil || n != 1 {
		t.Fatalf("after recovery: ran %d jobs, %v", n, err)
	}
	clock.Advance(time.Hour)
	if n, _ := runner.RunPending(ctx); n != 0 {
		t.Fatalf("ran %d more jobs after delivery", n)
	}
	if j := job(); j.Status != esign.JobDone {
		t.Fatalf("job %s (%s), want done", j.Status, j.LastError)
	}
	if msgs := srv.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "https://x/s/gst_1") {
		t.Fatalf("server got %d messages %q, want the one", len(msgs), msgs)
	}
	if b.State() != breaker.Closed {
		t.Fatalf("breaker %s after a delivery, want closed", b.State())
	}
}
