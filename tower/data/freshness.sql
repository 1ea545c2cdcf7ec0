-- name: by_stream
-- One row per (source, stream) ever run. The distinct streams come from a loose index scan over
-- collector_runs_stream_idx, and each stream's runs are read newest first through the same
-- index, so the cost stays flat however many runs the table keeps.
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
SELECT s.source, s.stream,
       ok.finished_at      AS last_success_at,
       ok.lag_seconds      AS lag_seconds,
       newest.newest_source_at AS newest_record_at,
       last.status         AS last_status,
       last.started_at     AS last_run_at,
       last.error          AS last_error
FROM streams s
LEFT JOIN LATERAL (
    SELECT c.finished_at, c.lag_seconds FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream AND c.status = 'ok'
    ORDER BY c.started_at DESC LIMIT 1
) ok ON true
LEFT JOIN LATERAL (
    SELECT c.newest_source_at FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream AND c.newest_source_at IS NOT NULL
    ORDER BY c.started_at DESC LIMIT 1
) newest ON true
LEFT JOIN LATERAL (
    SELECT c.status, c.started_at, c.error FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream
    ORDER BY c.started_at DESC LIMIT 1
) last ON true
ORDER BY s.source, s.stream;

-- name: thresholds
-- Per-source staleness limits of the rules' policy (the rules worker keeps them in sync), so
-- the banner and the rules call a source stale at the same moment.
SELECT source, max_lag_minutes FROM source_thresholds;
