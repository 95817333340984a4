package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/breaker"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/metrics"
	"github.com/gsign/gsign/internal/sqldb"
)

// TestScrape: a scrape shows each breaker's state, its state changes, and
// the outbox depth by kind and status as the store holds it now.
func TestScrape(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "gsign.db"), sqldb.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var m *metrics.Metrics
	set := breaker.NewSet(breaker.Settings{Failures: 1, OpenFor: time.Minute, OnStateChange: func(name string, from, to breaker.State) {
		m.BreakerChanged(name, from.String(), to.String())
	}})
	m = metrics.New(metrics.Sources{Store: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Breakers: func() []metrics.BreakerState {
		var out []metrics.BreakerState
		for _, s := range set.States() {
			out = append(out, metrics.BreakerState{Name: s.Name, State: int(s.State)})
		}
		return out
	}})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	set.Get("smtp")
	_ = set.Get("s3").Do(func() error { return errors.New("connection refused") })
	enqueue := func(id, kind string) {
		err := db.InTx(ctx, func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.EnqueueJob(ctx, &esign.Job{ID: id, Kind: kind, Payload: []byte("{}"), Status: esign.JobPending,
				RunAt: tx.Now(), MaxAttempts: 3, CreatedAt: tx.Now(), UpdatedAt: tx.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue("mail:a", esign.JobMail)
	enqueue("mail:b", esign.JobMail)
	enqueue("sms:a", esign.JobSMS)
	body := scrape(t, srv.URL)
	for _, want := range []string{
		`gsign_circuit_breaker_state{name="s3"} 2`,
		`gsign_circuit_breaker_state{name="smtp"} 0`,
		`gsign_circuit_breaker_state_changes_total{from="closed",name="s3",to="open"} 1`,
		`gsign_outbox_jobs{kind="mail",status="pending"} 2`,
		`gsign_outbox_jobs{kind="sms",status="pending"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	enqueue("mail:c", esign.JobMail) // read on each scrape, not cached
	if body := scrape(t, srv.URL); !strings.Contains(body, `gsign_outbox_jobs{kind="mail",status="pending"} 3`) {
		t.Errorf("second scrape does not see the new job:\n%s", grepLines(body, "gsign_outbox"))
	}
	db.Close() // a failing store leaves the outbox out, and the rest served
	if body := scrape(t, srv.URL); !strings.Contains(body, `gsign_circuit_breaker_state{name="s3"} 2`) {
		t.Errorf("scrape with the store down lost the breakers:\n%s", grepLines(body, "gsign_"))
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("content type %q, want the text exposition format", ct)
	}
	return string(b)
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
