package esign_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gsign/gsign/internal/blob"
	"github.com/gsign/gsign/internal/esign"
)

// scratchRecorder is an in-memory store that also offers PutScratch and
// records which keys went through which call.
type scratchRecorder struct {
	*blob.Memory
	mu      sync.Mutex
	put     []string
	scratch []string
}

var _ esign.ScratchBlobs = (*scratchRecorder)(nil)

func (s *scratchRecorder) Put(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	s.mu.Lock()
	s.put = append(s.put, key)
	s.mu.Unlock()
	return s.Memory.Put(ctx, key, r)
}

func (s *scratchRecorder) PutScratch(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	s.mu.Lock()
	s.scratch = append(s.scratch, key)
	s.mu.Unlock()
	return s.Memory.Put(ctx, key, r)
}

// plainMerger hides the embedding merge of the Merger it wraps.
type plainMerger struct{ esign.Merger }

// Finalize keeps its intermediate files in memory when they are small
// and writes them to the store as scratch, and only those, when they are
// larger than Config.ScratchInMemory, and deletes them when done: with a
// Merger that embeds the evidence as it merges, and with one that cannot.
func TestFinalizeWritesWorkFilesAsScratch(t *testing.T) {
	tests := []struct {
		name     string
		merger   func(esign.Merger) esign.Merger
		inMemory int // Config.ScratchInMemory
		scratch  int
	}{
		// The flattened document, the certificate and the combined PDF, a
		// few kB each, all in memory by default.
		{"embedding merger, default", func(m esign.Merger) esign.Merger { return m }, 0, 0},
		{"plain merger, default", func(m esign.Merger) esign.Merger { return plainMerger{m} }, 0, 0},
		// Larger than the bound: they spill.
		{"embedding merger, 1 kB in memory", func(m esign.Merger) esign.Merger { return m }, 1024, 3},
		// And the merged PDF before the evidence goes in.
		{"plain merger, 1 kB in memory", func(m esign.Merger) esign.Merger { return plainMerger{m} }, 1024, 4},
		{"plain merger, never in memory", func(m esign.Merger) esign.Merger { return plainMerger{m} }, -1, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.svc.Config.ScratchInMemory = tc.inMemory
			h.svc.Merger = tc.merger(h.svc.Merger)
			rec := &scratchRecorder{Memory: h.blobs}
			h.svc.Blobs = rec
			d := completeOneSigner(t, h)
			if len(rec.scratch) != tc.scratch {
				t.Errorf("scratch writes %q, want %d", rec.scratch, tc.scratch)
			}
			checkScratch(t, h, rec, d.Envelope.ID)
		})
	}
}

// completeOneSigner sends an envelope to one signer, who signs, and runs
// the jobs; the result must be ready.
func completeOneSigner(t *testing.T, h *harness) *esign.EnvelopeDetail {
	t.Helper()
	got := signOneSigner(t, h)
	if got.Envelope.ResultStatus != esign.ResultReady {
		t.Fatalf("result %s, want ready", got.Envelope.ResultStatus)
	}
	return got
}

// checkScratch checks that only the envelope's work files were scratch,
// that the four results were durable and that no work file is left.
func checkScratch(t *testing.T, h *harness, rec *scratchRecorder, envelopeID string) {
	t.Helper()
	for _, k := range rec.scratch {
		if !strings.HasPrefix(k, "work/"+envelopeID+"/") {
			t.Errorf("scratch write of %s, outside the envelope's work folder", k)
		}
	}
	results := 0
	for _, k := range rec.put {
		if strings.HasPrefix(k, "work/") {
			t.Errorf("durable write of the work file %s", k)
		}
		if strings.HasPrefix(k, "results/") {
			results++
		}
	}
	if results != 4 {
		t.Errorf("durable writes %q, want 4 results (document, certificate, combined, evidence)", rec.put)
	}
	if err := h.blobs.List(context.Background(), "work/", func(b esign.BlobInfo) error {
		t.Errorf("work file %s left behind", b.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// brokenScratch fails every scratch write after reading part of it.
type brokenScratch struct{ *blob.Memory }

func (b brokenScratch) PutScratch(ctx context.Context, key string, r io.Reader) (esign.BlobInfo, error) {
	if _, err := io.CopyN(io.Discard, r, 100); err != nil {
		return esign.BlobInfo{}, err
	}
	// What a store does on a full disk: part of the file is there.
	if _, err := b.Memory.Put(ctx, key, strings.NewReader("partial")); err != nil {
		return esign.BlobInfo{}, err
	}
	return esign.BlobInfo{}, errors.New("disk full")
}

// A spilled work file whose write fails fails the finalize, which leaves
// no result and no work file behind.
func TestFinalizeScratchFailure(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.svc.Config.ScratchInMemory = 1024
	h.svc.Blobs = brokenScratch{h.blobs}
	if signOneSigner(t, h).Envelope.ResultStatus == esign.ResultReady {
		t.Fatal("the result is ready although its work files could not be written")
	}
	for _, prefix := range []string{"work/", "results/"} {
		if err := h.blobs.List(ctx, prefix, func(b esign.BlobInfo) error {
			t.Errorf("%s left behind", b.Key)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// signOneSigner sends an envelope to one signer, who signs, runs the jobs
// and returns the envelope.
func signOneSigner(t *testing.T, h *harness) *esign.EnvelopeDetail {
	t.Helper()
	p := h.register("sender@example.com")
	d, fields := h.sentEnvelope(p, recipientSpec{"a@example.com", esign.RoleSigner, 1})
	h.signTyped(h.openAs("a@example.com"), fields["a@example.com"].ID, "Ann Signer")
	h.drain()
	got, err := h.svc.GetEnvelope(context.Background(), p, d.Envelope.ID)
	must(t, err)
	return got
}
