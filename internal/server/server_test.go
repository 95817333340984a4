package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestServeAndShutdown: the server answers on port 0 and, when the context
// ends, lets an in-flight request finish before Serve returns nil.
func TestServeAndShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		io.WriteString(w, "ok")
	})
	base, cancel, served := serveInBackground(t, New("127.0.0.1:0", h, quiet()))

	if body := get(t, base+"/"); body != "ok" {
		t.Fatalf("body %q", body)
	}
	slow := make(chan string, 1)
	go func() { slow <- get(t, base+"/slow") }()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if body := <-slow; body != "ok" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// serveInBackground serves s on its port until cancel; served receives
// what Serve returned.
func serveInBackground(t *testing.T, s *Server) (base string, cancel context.CancelFunc, served <-chan error) {
	t.Helper()
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), cancel, errc
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestTimeouts(t *testing.T) {
	s := New(":0", http.NotFoundHandler(), quiet())
	tests := []struct {
		name      string
		got, want time.Duration
	}{
		{"read header", s.srv.ReadHeaderTimeout, 10 * time.Second},
		{"read", s.srv.ReadTimeout, 5 * time.Minute},
		{"write", s.srv.WriteTimeout, 5 * time.Minute},
		{"idle", s.srv.IdleTimeout, 2 * time.Minute},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s timeout %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if s.srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("MaxHeaderBytes %d", s.srv.MaxHeaderBytes)
	}
}

func TestListenFails(t *testing.T) {
	s := New("127.0.0.1:0", http.NotFoundHandler(), quiet())
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := New(ln.Addr().String(), http.NotFoundHandler(), quiet()).Listen(); err == nil {
		t.Error("listening on a taken address succeeded")
	}
}

// TestOnShutdownEndsLongRequests: a request that waits (as a waiting GET
// of an envelope does) until told of the shutdown lets Serve return at
// once and cleanly; without the hook, Serve would give up after
// ShutdownTimeout with an error.
func TestOnShutdownEndsLongRequests(t *testing.T) {
	stopping, waiting := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(waiting)
		<-stopping
		w.WriteHeader(http.StatusNotModified)
	})
	s := New("127.0.0.1:0", h, quiet())
	s.OnShutdown(func() { close(stopping) })
	base, cancel, served := serveInBackground(t, s)
	answered := make(chan int, 1)
	go func() {
		res, err := http.Get(base + "/wait")
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	<-waiting
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if status := <-answered; status != http.StatusNotModified {
		t.Errorf("the waiting request got %d", status)
	}
}
