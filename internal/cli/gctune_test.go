package cli

import "testing"

func TestTuneGC(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name      string
		env       map[string]string
		memoryMax string
		want      gcTuning
	}{
		{"no settings, no container limit", nil, "", gcTuning{Percent: 400}},
		{"a container without a limit", nil, "max\n", gcTuning{Percent: 400}},
		{"a container with 1 GiB", nil, "1073741824\n", gcTuning{Percent: 400, MemLimit: 858993456}},
		{"the operator's GOGC wins", map[string]string{"GOGC": "100"}, "1073741824\n", gcTuning{MemLimit: 858993456}},
		{"GOGC=off is the operator's too", map[string]string{"GOGC": "off"}, "", gcTuning{}},
		{"the operator's GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "512MiB"}, "1073741824\n", gcTuning{Percent: 400}},
		{"unreadable limit", nil, "garbage", gcTuning{Percent: 400}},
		{"zero limit", nil, "0", gcTuning{Percent: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tuneGC(env(tt.env), tt.memoryMax); got != tt.want {
				t.Errorf("tuneGC = %+v, want %+v", got, tt.want)
			}
		})
	}
}
