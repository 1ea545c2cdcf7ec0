-- name: streams
-- Per (source, stream) seen in the window: its last successful finish and its first run, so a
-- stream that has not succeeded since the window began is stale since then.
SELECT source, stream,
       max(finished_at) FILTER (WHERE status = 'ok') AS last_ok_at,
       min(started_at) AS first_run_at
FROM collector_runs
WHERE started_at > :since
GROUP BY source, stream;

-- name: upsert_threshold
INSERT INTO source_thresholds (source, max_lag_minutes, policy_version, updated_at)
VALUES (:source, :minutes, :version, :now)
ON CONFLICT (source) DO UPDATE SET max_lag_minutes = excluded.max_lag_minutes,
    policy_version = excluded.policy_version, updated_at = excluded.updated_at;
