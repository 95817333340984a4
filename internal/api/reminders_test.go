package api

import "testing"

// TestReminderSettingsAndPhoneRefused: bad reminder settings and phone
// numbers are 422 problems naming the field.
func TestReminderSettingsAndPhoneRefused(t *testing.T) {
	e := newEnv(t)
	token := e.register("olive@example.com")
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"negative delay", map[string]any{"name": "Lease", "reminder_delay_hours": -1}},
		{"frequency without delay", map[string]any{"name": "Lease", "reminder_frequency_hours": 24}},
		{"warning without expiry", map[string]any{"name": "Lease", "expiry_warning_hours": 24}},
		{"warning past the time left", map[string]any{"name": "Lease", "expires_at": "2026-05-02T00:00:00Z", "expiry_warning_hours": 48}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: tc.body}), 422, "validation_failed")
		})
	}
	e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]any{"name": "Lease", "reminder_delay_hours": 1.5}}), 400, "")
	created := e.expect(e.do(req{method: "POST", path: "/api/v1/envelopes", token: token, body: map[string]any{"name": "Lease"}}), 201, "")
	base := "/api/v1/envelopes/" + decode[envelopeResponse](t, created).ID
	e.expect(e.do(req{method: "POST", path: base + "/recipients", token: token, body: map[string]any{
		"name": "Ana", "email": "ana@example.com", "phone": "555-0001"}}), 422, "validation_failed")
}
