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

-- name: stock_holds
-- Orders of each queue cell that wait on stock (a backorder: the rules' hold.backorder step,
-- owned by inventory planning), in the same age buckets as the snapshot, so the cell can show
-- the work the warehouse can do apart from orders it cannot touch. Live from queue_items (the
-- cell index) with one primary-key look-up per item.
SELECT q.warehouse, q.stage, count(*)::int AS n,
       count(*) FILTER (WHERE q.at_half > :now)::int AS b_fresh,
       count(*) FILTER (WHERE q.at_half <= :now AND q.at_risk > :now)::int AS b_watch,
       count(*) FILTER (WHERE q.at_risk <= :now AND q.at_due > :now)::int AS b_at_risk,
       count(*) FILTER (WHERE q.at_due <= :now)::int AS b_late
FROM queue_items q
JOIN orders o ON o.order_id = q.order_id
WHERE q.stage = ANY(:stages)
  AND (CAST(:warehouses AS text[]) IS NULL OR q.warehouse = ANY(:warehouses))
  AND o.reason_facts ->> 'rule' = 'hold.backorder'
GROUP BY q.warehouse, q.stage

-- name: first_snapshot
SELECT min(taken_at) FROM queue_snapshots

-- name: rebuilt_trend
-- Depth per stage at the end of each :step_minutes step of [:since, :until), rebuilt from the
-- stage times the analytics job keeps for every order (imported history has no snapshots): an
-- order is in a stage from when it entered it until it entered any later stage of the flow (or
-- was cancelled). Set-based: +1 on entering, -1 on leaving, summed up to each step.
WITH st AS (
    SELECT s.stage, s.entered_at AS at_in,
           (SELECT min(n.entered_at) FROM order_stage_times n
            WHERE n.order_id = s.order_id AND n.entered_at >= s.entered_at
              AND coalesce(array_position(CAST(:flow AS text[]), n.stage), 99)
                  > array_position(CAST(:flow AS text[]), s.stage)) AS at_out
    FROM order_stage_times s
    WHERE s.stage = ANY(:stages) AND s.entered_at < :until
      AND (CAST(:warehouses AS text[]) IS NULL OR s.warehouse = ANY(:warehouses))
), moves AS (
    SELECT stage, at_in AS at, 1 AS d FROM st
    UNION ALL
    SELECT stage, at_out, -1 FROM st WHERE at_out IS NOT NULL AND at_out < :until
), steps AS (
    SELECT at FROM generate_series(CAST(:since AS timestamptz) + make_interval(mins => :step_minutes),
                                   CAST(:until AS timestamptz), make_interval(mins => :step_minutes)) AS g (at)
), stages AS (
    SELECT unnest(CAST(:stages AS text[])) AS stage
), base AS (
    SELECT stage, sum(d) AS depth FROM moves WHERE at <= :since GROUP BY stage
), per AS (
    -- A move at t counts from the first step at or after t.
    SELECT stage, date_bin(make_interval(mins => :step_minutes), at - interval '1 microsecond',
                           CAST(:since AS timestamptz)) + make_interval(mins => :step_minutes) AS at,
           sum(d) AS d
    FROM moves WHERE at > :since GROUP BY 1, 2
), grid AS (
    SELECT steps.at, stages.stage,
           coalesce(b.depth, 0) + sum(coalesce(p.d, 0)) OVER (PARTITION BY stages.stage ORDER BY steps.at) AS depth
    FROM steps CROSS JOIN stages
    LEFT JOIN base b ON b.stage = stages.stage
    LEFT JOIN per p ON p.stage = stages.stage AND p.at = steps.at
)
SELECT at AS taken_at, stage, depth::int AS depth, NULL::float8 AS oldest_age_seconds
FROM grid WHERE depth > 0
ORDER BY 1, 2
