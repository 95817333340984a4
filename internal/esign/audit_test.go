package esign

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenEvents are fixed events whose canonical encodings and hashes are
// pinned in testdata. If this test fails, the encoding changed and every
// envelope already recorded with it would fail verification: add a new
// version instead of changing an old one.
func goldenEvents() []*AuditEvent {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	return []*AuditEvent{
		{EnvelopeID: "env_01", Seq: 1, Version: 1, Type: AuditCreated, OccurredAt: t0,
			Actor: Actor{Type: ActorUser, ID: "usr_1", Email: "ana@example.com", IP: "203.0.113.7", UserAgent: "Mozilla/5.0"},
			Data:  map[string]string{"name": "Lease"}},
		{EnvelopeID: "env_01", Seq: 2, Version: 1, Type: AuditFieldFilled, OccurredAt: t0.Add(time.Second),
			Actor: Actor{Type: ActorRecipient, ID: "rcp_1", Email: "bo@example.com", IP: "2001:db8::1", UserAgent: "curl/8"},
			Data:  map[string]string{"value": "Quote \" back\\slash\nnew line\ttab \x01 ctrl é 漢字 😀 \u2028", "z": "", "a": "first", "é": "non-ascii key", "😀": "astral key", "\uffff": "bmp max"}},
		{EnvelopeID: "env_01", Seq: 3, Version: 1, Type: AuditCompleted, OccurredAt: t0.Add(2 * time.Second),
			Actor: Actor{Type: ActorSystem, ID: "gsign"}, Data: map[string]string{}},
	}
}

func TestAuditCanonicalEncodingGolden(t *testing.T) {
	events := goldenEvents()
	prev := GenesisHash
	var out []byte
	for _, e := range events {
		e.PreviousHash = prev
		enc, err := e.CanonicalEncoding()
		if err != nil {
			t.Fatal(err)
		}
		h, err := e.ComputeHash()
		if err != nil {
			t.Fatal(err)
		}
		e.Hash, prev = h, h
		out = append(out, enc...)
		out = append(out, '\n')
		out = append(out, h...)
		out = append(out, '\n')
	}
	golden := filepath.Join("testdata", "audit_v1.golden")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once to create it)", err)
	}
	if string(out) != string(want) {
		t.Fatalf("canonical encoding v1 changed:\n got: %s\nwant: %s", out, want)
	}
	if p := VerifyChain("env_01", events, 3, prev); p != nil {
		t.Fatalf("golden chain does not verify: %+v", p)
	}
}

func TestAuditUnknownVersionRefused(t *testing.T) {
	e := goldenEvents()[0]
	e.Version = 2
	if _, err := e.CanonicalEncoding(); err == nil {
		t.Fatal("an unknown encoding version was accepted")
	}
}

// TestVerifyChainDetectsTampering edits, deletes, reorders and forges events
// and checks that the first bad one is reported.
func TestVerifyChainDetectsTampering(t *testing.T) {
	build := func() ([]*AuditEvent, string) {
		events := goldenEvents()
		events = append(events, &AuditEvent{EnvelopeID: "env_01", Seq: 4, Version: 1, Type: AuditResultReady, OccurredAt: events[2].OccurredAt.Add(time.Second), Actor: Actor{Type: ActorSystem, ID: "gsign"}})
		prev := GenesisHash
		for _, e := range events {
			e.PreviousHash = prev
			e.Hash, _ = e.ComputeHash()
			prev = e.Hash
		}
		return events, prev
	}
	tests := []struct {
		name    string
		tamper  func(es []*AuditEvent) []*AuditEvent
		headSeq int64
		wantSeq int64
	}{
		{"intact", func(es []*AuditEvent) []*AuditEvent { return es }, 4, 0},
		{"field edited", func(es []*AuditEvent) []*AuditEvent { es[1].Data["value"] = "other"; return es }, 4, 2},
		{"actor edited", func(es []*AuditEvent) []*AuditEvent { es[2].Actor.IP = "198.51.100.1"; return es }, 4, 3},
		{"time edited", func(es []*AuditEvent) []*AuditEvent {
			es[0].OccurredAt = es[0].OccurredAt.Add(time.Microsecond)
			return es
		}, 4, 1},
		{"middle deleted", func(es []*AuditEvent) []*AuditEvent { return append(es[:1], es[2:]...) }, 4, 2},
		{"last deleted", func(es []*AuditEvent) []*AuditEvent { return es[:3] }, 4, 4},
		{"reordered", func(es []*AuditEvent) []*AuditEvent { es[1], es[2] = es[2], es[1]; return es }, 4, 2},
		{"renumbered after delete", func(es []*AuditEvent) []*AuditEvent {
			es = append(es[:1], es[2:]...)
			es[1].Seq, es[2].Seq = 2, 3
			return es
		}, 4, 2},
		{"forged with recomputed hash", func(es []*AuditEvent) []*AuditEvent {
			es[1].Data["value"] = "forged"
			es[1].Hash, _ = es[1].ComputeHash()
			return es
		}, 4, 3},
		{"whole chain rewritten", func(es []*AuditEvent) []*AuditEvent {
			es[0].Data["name"] = "Forged"
			prev := GenesisHash
			for _, e := range es {
				e.PreviousHash = prev
				e.Hash, _ = e.ComputeHash()
				prev = e.Hash
			}
			return es
		}, 4, 4},
		{"other envelope's event", func(es []*AuditEvent) []*AuditEvent { es[3].EnvelopeID = "env_02"; return es }, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, head := build()
			es = tt.tamper(es)
			p := VerifyChain("env_01", es, tt.headSeq, head)
			if tt.wantSeq == 0 {
				if p != nil {
					t.Fatalf("intact chain reported bad: %+v", p)
				}
				return
			}
			if p == nil {
				t.Fatal("tampering not detected")
			}
			if p.Seq != tt.wantSeq {
				t.Fatalf("first bad event %d (%s), want %d", p.Seq, p.Reason, tt.wantSeq)
			}
		})
	}
}
