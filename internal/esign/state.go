package esign

// EnvelopeEvent is something that happens to an envelope.
type EnvelopeEvent string

// Envelope events.
const (
	EventSend     EnvelopeEvent = "send"
	EventDeliver  EnvelopeEvent = "deliver" // a recipient opened it
	EventComplete EnvelopeEvent = "complete"
	EventDecline  EnvelopeEvent = "decline"
	EventVoid     EnvelopeEvent = "void"
	EventExpire   EnvelopeEvent = "expire"
)

// EnvelopeStatuses lists every status, for exhaustive tests and validation.
var EnvelopeStatuses = []EnvelopeStatus{StatusDraft, StatusSent, StatusDelivered, StatusCompleted, StatusDeclined, StatusVoided, StatusExpired}

// EnvelopeEvents lists every event.
var EnvelopeEvents = []EnvelopeEvent{EventSend, EventDeliver, EventComplete, EventDecline, EventVoid, EventExpire}

// transitions is the envelope state machine. A pair missing from the table is
// refused. Terminal states have no row.
var transitions = map[EnvelopeStatus]map[EnvelopeEvent]EnvelopeStatus{
	StatusDraft: {
		EventSend: StatusSent,
		EventVoid: StatusVoided,
	},
	StatusSent: {
		EventDeliver:  StatusDelivered,
		EventComplete: StatusCompleted,
		EventDecline:  StatusDeclined,
		EventVoid:     StatusVoided,
		EventExpire:   StatusExpired,
	},
	StatusDelivered: {
		EventDeliver:  StatusDelivered,
		EventComplete: StatusCompleted,
		EventDecline:  StatusDeclined,
		EventVoid:     StatusVoided,
		EventExpire:   StatusExpired,
	},
}

// Transition returns the status that event leads to from status, or a
// conflict error when the state machine forbids it.
func Transition(from EnvelopeStatus, ev EnvelopeEvent) (EnvelopeStatus, error) {
	if to, ok := transitions[from][ev]; ok {
		return to, nil
	}
	return from, Errorf(KindConflict, CodeInvalidTransition, "cannot %s an envelope that is %s", ev, from)
}

// Terminal reports whether no event can leave status.
func (s EnvelopeStatus) Terminal() bool { return len(transitions[s]) == 0 }

// Valid reports whether s is a known status.
func (s EnvelopeStatus) Valid() bool {
	for _, v := range EnvelopeStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// InProgress reports whether recipients may still act.
func (s EnvelopeStatus) InProgress() bool { return s == StatusSent || s == StatusDelivered }
