-- When a job was last handed to the message queue (RabbitMQ), in
-- microseconds; NULL: never, or not since it was replayed. Unused when jobs
-- are claimed from the database alone. Written in portable SQL: the
-- PostgreSQL migration of the same number is the same file.
ALTER TABLE jobs ADD COLUMN published_at BIGINT;
-- The relay's query: pending jobs never published, or published long ago,
-- by due time.
CREATE INDEX jobs_status_published_at ON jobs (status, published_at, run_at);
