-- name: start
INSERT INTO collector_runs (source, stream, started_at, status)
VALUES (:source, :stream, :started_at, 'running')
RETURNING run_id

-- name: finish
UPDATE collector_runs
SET finished_at = :finished_at, status = :status, records_fetched = :records_fetched,
    milestones_written = :milestones_written, dead_letters = :dead_letters,
    newest_source_at = :newest_source_at, lag_seconds = :lag_seconds, error = :error,
    source_as_of = :source_as_of, data_through = :data_through, caught_up = :caught_up,
    observed_at = :observed_at
WHERE run_id = :run_id

-- name: progress
UPDATE collector_runs
SET records_fetched = :records_fetched, milestones_written = :milestones_written,
    dead_letters = :dead_letters, newest_source_at = :newest_source_at,
    source_as_of = :source_as_of, data_through = :data_through, caught_up = :caught_up,
    observed_at = :observed_at,
    lag_seconds = extract(epoch FROM CAST(:source_as_of AS timestamptz) - CAST(:data_through AS timestamptz))
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
       milestones_written, dead_letters, newest_source_at, lag_seconds, error,
       source_as_of, data_through, caught_up, observed_at
FROM collector_runs
ORDER BY source, stream, started_at DESC, run_id DESC

-- name: recent
SELECT run_id, source, stream, started_at, finished_at, status, records_fetched,
       milestones_written, dead_letters, newest_source_at, lag_seconds, error,
       source_as_of, data_through, caught_up, observed_at
FROM collector_runs
WHERE (CAST(:source AS text) IS NULL OR source = :source)
ORDER BY started_at DESC, run_id DESC
LIMIT :limit

-- name: readings
-- Per (source, stream) ever run: the latest run's status, the latest successful finish, the
-- event-time columns of the latest run that read data (running runs included: a long catch-up
-- reports its progress page by page), and failures among the last :runs finished runs. The
-- streams come from a loose index scan over collector_runs_stream_idx and each lookup reads
-- that index newest first, so the cost stays flat however many runs the table keeps.
WITH RECURSIVE streams AS (
    (SELECT source, stream FROM collector_runs ORDER BY source, stream LIMIT 1)
    UNION ALL
    SELECT nxt.source, nxt.stream
    FROM streams s
    CROSS JOIN LATERAL (
        SELECT c.source, c.stream FROM collector_runs c
        WHERE (c.source, c.stream) > (s.source, s.stream)
        ORDER BY c.source, c.stream
        LIMIT 1
    ) nxt
)
SELECT s.source, s.stream, last.status AS last_status, last.started_at AS last_run_at,
       last.error AS last_error, ok.finished_at AS last_ok_at,
       d.data_through, d.source_as_of, d.caught_up, d.observed_at, d.newest_source_at,
       r.runs, r.failed_runs
FROM streams s
LEFT JOIN LATERAL (
    SELECT c.status, c.started_at, c.error FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream
    ORDER BY c.started_at DESC, c.run_id DESC LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT c.finished_at FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream AND c.status = 'ok'
    ORDER BY c.started_at DESC, c.run_id DESC LIMIT 1
) ok ON true
LEFT JOIN LATERAL (
    SELECT c.data_through, c.source_as_of, c.caught_up, c.observed_at, c.newest_source_at
    FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream AND c.data_through IS NOT NULL
    ORDER BY c.started_at DESC, c.run_id DESC LIMIT 1
) d ON true
LEFT JOIN LATERAL (
    SELECT count(*)::int AS runs,
           count(*) FILTER (WHERE x.status IN ('failed', 'fatal'))::int AS failed_runs
    FROM (SELECT c.status FROM collector_runs c
          WHERE c.source = s.source AND c.stream = s.stream AND c.status <> 'running'
          ORDER BY c.started_at DESC LIMIT :runs) x
) r ON true
ORDER BY s.source, s.stream
