package sqldb

import (
	"context"
	"fmt"
	"strings"
)

// A read that the domain needs whole on a hot path (a credential with its
// user and teams, a recipient token with its envelope and recipients) is
// one join rather than a statement per table: each statement is a round
// trip on PostgreSQL and time on SQLite's connection. The tables' own scan
// functions read their columns out of the joined row.

// joinedRows runs q, a join, and for each row has row gather the
// destinations of the row's columns (the scan functions of its tables, in
// column order, into d), scans the row into them and calls what row
// returned, to keep what was scanned.
func (t *tx) joinedRows(ctx context.Context, what, q string, args []any, row func(d *destinations) func()) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d destinations
		keep := row(&d)
		if err := rows.Scan(d...); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		keep()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// destinations gathers what scan functions would scan into, so that the
// columns of several tables' scan functions can be read from one row.
type destinations []any

// Scan records dest; it reads nothing.
func (d *destinations) Scan(dest ...any) error {
	*d = append(*d, dest...)
	return nil
}

// qualified prefixes each column of the comma-separated list cols with
// alias, for a join.
func qualified(alias, cols string) string {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = alias + "." + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}
