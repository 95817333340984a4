package esign

import "testing"

// TestTransitionTable checks every status × event pair against the lifecycle
// the product promises, so a change to the table is a visible decision.
func TestTransitionTable(t *testing.T) {
	allowed := map[EnvelopeStatus]map[EnvelopeEvent]EnvelopeStatus{
		StatusDraft:     {EventSend: StatusSent, EventVoid: StatusVoided},
		StatusSent:      {EventDeliver: StatusDelivered, EventComplete: StatusCompleted, EventDecline: StatusDeclined, EventVoid: StatusVoided, EventExpire: StatusExpired},
		StatusDelivered: {EventDeliver: StatusDelivered, EventComplete: StatusCompleted, EventDecline: StatusDeclined, EventVoid: StatusVoided, EventExpire: StatusExpired},
	}
	n := 0
	for _, from := range EnvelopeStatuses {
		for _, ev := range EnvelopeEvents {
			n++
			t.Run(string(from)+"/"+string(ev), func(t *testing.T) {
				want, ok := allowed[from][ev]
				got, err := Transition(from, ev)
				if ok {
					if err != nil || got != want {
						t.Fatalf("Transition(%s, %s) = %s, %v; want %s", from, ev, got, err, want)
					}
					return
				}
				if err == nil {
					t.Fatalf("Transition(%s, %s) = %s; want refusal", from, ev, got)
				}
				if ErrorKind(err) != KindConflict || ErrorCode(err) != CodeInvalidTransition || got != from {
					t.Fatalf("refusal = %s, %v; want conflict/invalid_transition and status unchanged", got, err)
				}
			})
		}
	}
	if n != 7*6 {
		t.Fatalf("tested %d pairs, want the full 7×6 product", n)
	}
}

func TestTerminalStatuses(t *testing.T) {
	terminal := map[EnvelopeStatus]bool{StatusCompleted: true, StatusDeclined: true, StatusVoided: true, StatusExpired: true}
	for _, s := range EnvelopeStatuses {
		if s.Terminal() != terminal[s] {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
		if !s.Valid() {
			t.Errorf("%s not Valid", s)
		}
	}
	if EnvelopeStatus("bogus").Valid() {
		t.Error("bogus status is valid")
	}
}

func TestActiveOrder(t *testing.T) {
	r := func(order int, st RecipientStatus) *Recipient { return &Recipient{RoutingOrder: order, Status: st} }
	tests := []struct {
		name   string
		rs     []*Recipient
		want   int
		wantOK bool
	}{
		{"first group pending", []*Recipient{r(1, RecipientSent), r(1, RecipientSent), r(2, RecipientCreated)}, 1, true},
		{"one of parallel pair done", []*Recipient{r(1, RecipientCompleted), r(1, RecipientDelivered), r(2, RecipientCreated)}, 1, true},
		{"first group done", []*Recipient{r(1, RecipientCompleted), r(1, RecipientCompleted), r(2, RecipientCreated)}, 2, true},
		{"orders need not be contiguous", []*Recipient{r(3, RecipientCompleted), r(7, RecipientCreated), r(10, RecipientCreated)}, 7, true},
		{"everyone done", []*Recipient{r(1, RecipientCompleted), r(2, RecipientCompleted)}, 0, false},
		{"no recipients", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := activeOrder(tt.rs)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("activeOrder = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
