-- Warehouse queues: open orders per (warehouse, stage) as of the latest queue snapshot (the
-- snapshot job, every minute, from queue_items), aged from the time they entered the stage
-- against their due time (rules worker) or else the stage's critical time.

-- name: matrix
-- The latest snapshot (the snapshot job writes one a minute from queue_items), its oldest ages
-- carried forward to :now.
SELECT warehouse, stage, depth,
       (oldest_age_seconds + date_part('epoch', CAST(:now AS timestamptz) - taken_at))::float8 AS oldest_age_seconds,
       b_fresh, b_watch, b_at_risk, b_late, taken_at
FROM queue_snapshots
WHERE taken_at = (SELECT max(taken_at) FROM queue_snapshots WHERE taken_at <= :now)
  AND stage = ANY(:stages)
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses))

-- name: arrivals
-- Orders that entered each stage in the window: the outflow of the stage before it.
SELECT coalesce(warehouse, '(none)') AS warehouse, stage, count(*)::int AS n
FROM order_stage_times
WHERE entered_at > :since AND entered_at <= :now
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses))
GROUP BY 1, 2

-- name: cell_orders
SELECT o.order_id, o.customer_name, o.customer_tier, o.value::float8 AS value, q.entered_at,
       date_part('epoch', CAST(:now AS timestamptz) - q.entered_at)::float8 AS age_seconds,
       o.due_at, o.sla_state, o.waiting_on, o.owner_team, o.promised_at
FROM queue_items q
JOIN orders o ON o.order_id = q.order_id
WHERE q.warehouse = :warehouse AND q.stage = :stage
  AND (CAST(:warehouses AS text[]) IS NULL OR q.warehouse = ANY(:warehouses))
ORDER BY q.entered_at, q.order_id
LIMIT :limit

-- name: trend
-- Depth per stage summed over the warehouses in scope, averaged into :step_minutes bins (a
-- 24-hour chart needs a few hundred points, not one per minute per warehouse).
WITH per AS (
    SELECT taken_at, stage, sum(depth) AS depth, max(oldest_age_seconds) AS oldest
    FROM queue_snapshots
    WHERE taken_at > :since AND taken_at <= :now AND stage = ANY(:stages)
      AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses))
    GROUP BY taken_at, stage
)
SELECT date_bin(make_interval(mins => :step_minutes), taken_at, CAST(:now AS timestamptz)) AS taken_at,
       stage, round(avg(depth))::int AS depth, max(oldest)::float8 AS oldest_age_seconds
FROM per
GROUP BY 1, 2
ORDER BY 1, 2

-- name: as_of
SELECT max(taken_at) FROM queue_snapshots
