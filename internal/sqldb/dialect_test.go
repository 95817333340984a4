package sqldb

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name string
		d    dialect
		in   string
		want string
	}{
		{"question marks stay", dialect{}, "a = ? AND b = ?", "a = ? AND b = ?"},
		{"numbered", dialect{numbered: true}, "a = ? AND (b, c) < (?, ?)", "a = $1 AND (b, c) < ($2, $3)"},
		{"numbered, none", dialect{numbered: true}, "SELECT 1", "SELECT 1"},
		{"numbered, past nine", dialect{numbered: true}, strings.Repeat("?,", 10) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.rebind(tt.in); got != tt.want {
				t.Fatalf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsPostgresURL(t *testing.T) {
	tests := []struct {
		dsn  string
		want bool
	}{
		{"postgres://u@host/db", true},
		{"postgresql://u@host:5432/db?sslmode=disable", true},
		{"POSTGRES://u@host/db", true},
		{"/var/lib/gsign/gsign.db", false},
		{"gsign.db", false},
		{"data/postgres://x.db", false},
		{"file:x.db", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isPostgresURL(tt.dsn); got != tt.want {
			t.Errorf("isPostgresURL(%q) = %v, want %v", tt.dsn, got, tt.want)
		}
	}
}
