package cli

import "testing"

func TestTuneProcs(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name   string
		env    map[string]string
		sqlite bool
		procs  int
		want   int
	}{
		{"SQLite on 2 CPUs", nil, true, 2, 8},
		{"SQLite in a container limited to 1 CPU", nil, true, 1, 4},
		{"PostgreSQL keeps Go's default", nil, false, 2, 0},
		{"the operator's GOMAXPROCS wins", map[string]string{"GOMAXPROCS": "2"}, true, 2, 0},
		{"no processors reported", nil, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tuneProcs(env(tt.env), tt.sqlite, tt.procs); got != tt.want {
				t.Errorf("tuneProcs = %d, want %d", got, tt.want)
			}
		})
	}
}
