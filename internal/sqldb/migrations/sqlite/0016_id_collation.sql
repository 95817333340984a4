-- PostgreSQL's 0016 gives the columns that refer to ids the ids' collation,
-- so that joins between them can use their indexes. SQLite compares every
-- one of these columns with BINARY already: nothing to change.
SELECT 1;
