package mail

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/cpumeter"
	"github.com/gsign/gsign/internal/esign"
)

// completedEmail is an owner's completed email as the throughput benchmark
// sends it: text and HTML bodies and the combined sealed PDF attached, here
// size bytes of incompressible data as a PDF's compressed streams are.
func completedEmail(size int) *esign.Email {
	pdf := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range pdf {
		pdf[i] = byte(r.Uint32())
	}
	return &esign.Email{ID: "mail:completed:env_1:owner", To: "olive@example.com", ToName: "Olive Owner",
		Subject: "Completed: Office lease 2030", Text: strings.Repeat("All parties have signed.\n", 20),
		HTML:        "<html><body>" + strings.Repeat("<p>All parties have signed.</p>\n", 40) + "</body></html>",
		Attachments: []esign.Attachment{{Name: "Office lease 2030 (signed).pdf", ContentType: "application/pdf", Data: pdf}}}
}

// BenchmarkDirSend writes the completed email with a ~100 KB attachment
// into a folder durably per op, as the default mailer does for each
// completed envelope (compose, base64, temp file, fsync, rename):
//
//	go test -run '^$' -bench BenchmarkDirSend -benchmem -count 6 ./internal/mail
func BenchmarkDirSend(b *testing.B) {
	d := &Dir{Path: b.TempDir(), From: "GSign <no-reply@sign.example.com>", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	m := completedEmail(100 << 10)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Attachments[0].Data)))
	stop := cpumeter.Start(b)
	for b.Loop() {
		if err := d.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}
