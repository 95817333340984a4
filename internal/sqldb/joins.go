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

// joinedRows runs q, a join whose leading columns are the same in every
// row (the one credential or token and what it refers to) and whose
// trailing ones differ (a team, a recipient). head gathers, once, the
// destinations of the leading columns (the scan functions of their tables,
// in column order, into d), which every row scans into again; each row
// then has row gather the destinations of the rest, scans, and calls what
// row returned, to keep them. head reports whether any row was read.
func (t *tx) joinedRows(ctx context.Context, what, q string, args []any, head func(d *destinations), row func(d *destinations) func()) (bool, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	return scanJoined(rows, what, head, row)
}

// scanJoined reads the rows of a join as joinedRows says, for a join
// read with others (readEach).
func scanJoined(rows rows, what string, head func(d *destinations), row func(d *destinations) func()) (bool, error) {
	d := make(destinations, 0, 64)
	head(&d)
	n, found := len(d), false
	for rows.Next() {
		d = d[:n]
		keep := row(&d)
		if err := rows.Scan(d...); err != nil {
			return false, fmt.Errorf("read %s: %w", what, err)
		}
		keep()
		found = true
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read %s: %w", what, err)
	}
	return found, nil
}

// noTail is the row function of a join whose rows have no columns but the
// leading ones.
func noTail(*destinations) func() { return func() {} }

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
