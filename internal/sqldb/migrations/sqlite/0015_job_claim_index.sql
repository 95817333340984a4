-- Claims pick the oldest due jobs in (run_at, created_at, id) order. Jobs
-- enqueued in one transaction share run_at and created_at (the
-- transaction's clock), so with an index on (status, run_at) alone, a pick
-- behind a bulk send's thousands of jobs sorted all of them for each claim
-- (about 8 ms with 20,000 due on SQLite, holding the one writer). With the
-- whole order in the index the pick reads the jobs it takes and stops
-- (sqldb BenchmarkClaimBacklog). The new index serves everything the old
-- one did, which it replaces.
DROP INDEX jobs_status_run_at;
CREATE INDEX jobs_claim_order ON jobs (status, run_at, created_at, id);
