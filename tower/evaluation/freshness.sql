-- name: upsert_threshold
INSERT INTO source_thresholds (source, max_lag_minutes, policy_version, updated_at)
VALUES (:source, :minutes, :version, :now)
ON CONFLICT (source) DO UPDATE SET max_lag_minutes = excluded.max_lag_minutes,
    policy_version = excluded.policy_version, updated_at = excluded.updated_at;
