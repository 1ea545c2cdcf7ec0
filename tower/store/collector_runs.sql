-- name: start
INSERT INTO collector_runs (source, stream, started_at, status)
VALUES (:source, :stream, :started_at, 'running')
RETURNING run_id

-- name: finish
UPDATE collector_runs
SET finished_at = :finished_at, status = :status, records_fetched = :records_fetched,
    milestones_written = :milestones_written, dead_letters = :dead_letters,
    newest_source_at = :newest_source_at, lag_seconds = :lag_seconds, error = :error
WHERE run_id = :run_id

-- name: progress
UPDATE collector_runs
SET records_fetched = :records_fetched, milestones_written = :milestones_written,
    dead_letters = :dead_letters, newest_source_at = :newest_source_at
WHERE run_id = :run_id

-- name: mark_interrupted
UPDATE collector_runs
SET status = 'failed', finished_at = :now,
    error = 'interrupted: the collector process stopped during this run (the bookmark covers only committed pages)'
WHERE source = :source AND stream = :stream AND status = 'running' AND run_id <> :keep_run_id

-- name: newest_source_at
SELECT max(newest_source_at) FROM collector_runs WHERE source = :source AND stream = :stream

-- name: latest
SELECT DISTINCT ON (source, stream)
       run_id, source, stream, started_at, finished_at, status, records_fetched,
       milestones_written, dead_letters, newest_source_at, lag_seconds, error
FROM collector_runs
ORDER BY source, stream, started_at DESC, run_id DESC

-- name: recent
SELECT run_id, source, stream, started_at, finished_at, status, records_fetched,
       milestones_written, dead_letters, newest_source_at, lag_seconds, error
FROM collector_runs
WHERE (CAST(:source AS text) IS NULL OR source = :source)
ORDER BY started_at DESC, run_id DESC
LIMIT :limit
