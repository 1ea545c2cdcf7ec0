-- name: snapshot
-- From queue_items (just refreshed by the analytics job), as the queue page reads it.
INSERT INTO queue_snapshots (taken_at, warehouse, stage, depth, oldest_age_seconds,
                             b_fresh, b_watch, b_at_risk, b_late)
SELECT CAST(:now AS timestamptz), warehouse, stage, count(*),
       date_part('epoch', CAST(:now AS timestamptz) - min(entered_at)),
       count(*) FILTER (WHERE at_half > :now),
       count(*) FILTER (WHERE at_half <= :now AND at_risk > :now),
       count(*) FILTER (WHERE at_risk <= :now AND at_due > :now),
       count(*) FILTER (WHERE at_due <= :now)
FROM queue_items
GROUP BY warehouse, stage
ON CONFLICT (taken_at, warehouse, stage) DO NOTHING

-- name: prune
DELETE FROM queue_snapshots WHERE taken_at < :before
