-- Rollups of the flow facts (sql/migrations/0021_flow_daily_rollups.sql, 0023): the UTC days
-- [:start, :end) of placed_at recomputed from flow_transitions / flow_orders (span_days 1), and
-- the blocks of :size days over them summed from the :smaller-day rows.

-- name: touched_days
SELECT DISTINCT (placed_at AT TIME ZONE 'UTC')::date AS day
FROM flow_orders WHERE order_id = ANY(:order_ids) AND placed_at IS NOT NULL

-- name: clear_transition_days
DELETE FROM flow_transition_days WHERE span_days = 1 AND day >= :start_day AND day < :end_day

-- name: clear_order_days
DELETE FROM flow_order_days WHERE span_days = 1 AND day >= :start_day AND day < :end_day

-- name: insert_transition_days
-- First per full dimensions and bucket (few rows), then once per dimension kept ('*' = all).
WITH t AS (
    SELECT object_type, (placed_at AT TIME ZONE 'UTC')::date AS day, coalesce(warehouse, '') AS warehouse,
           coalesce(channel, '') AS channel, coalesce(customer_tier, '') AS tier, coalesce(carrier, '') AS carrier,
           from_kind, to_kind, business_hours, wall_hours
    FROM flow_transitions
    WHERE object_type = ANY(CAST(:object_types AS text[])) AND placed_at >= :start AND placed_at < :end
), base AS (
    SELECT t.object_type, t.day, t.warehouse, t.channel, t.tier, t.carrier, t.from_kind, t.to_kind,
           m.measure, m.bucket, count(*) AS n,
           sum(t.business_hours) FILTER (WHERE m.measure = 'count') AS total_hours
    FROM t
    CROSS JOIN LATERAL (VALUES ('count', -1), ('business', flow_hours_bucket(t.business_hours)),
                               ('wall', flow_hours_bucket(t.wall_hours))) AS m(measure, bucket)
    WHERE m.bucket IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
)
INSERT INTO flow_transition_days (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind, measure,
                                  bucket, n, total_hours)
SELECT b.object_type, d.dim, d.value, 1, b.day, b.warehouse, b.from_kind, b.to_kind, b.measure, b.bucket,
       sum(b.n), sum(b.total_hours)
FROM base b
CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', b.channel), ('tier', b.tier), ('carrier', b.carrier)) AS d(dim, value)
GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
ORDER BY 1, 2, 3, 5   -- stored in the order reads take them: one read's rows share pages

-- name: insert_order_days
-- The same per-order definitions as tower/data/flow.sql's conformance blocks: conforming = no
-- deviation outside the allowlist; a type counts as accepted for an order only when every
-- instance of it is; cycle times of completed ('closed') orders.
WITH f AS (
    SELECT order_id, (placed_at AT TIME ZONE 'UTC')::date AS day, coalesce(warehouse, '') AS warehouse,
           coalesce(channel, '') AS channel, coalesce(customer_tier, '') AS tier, coalesce(carrier, '') AS carrier,
           deviations, accepted, deviations <@ accepted AS conforming,
           status = 'closed' AND cycle_business_hours IS NOT NULL AS timed,
           flow_hours_bucket(cycle_business_hours) AS bucket
    FROM flow_orders
    WHERE placed_at >= :start AND placed_at < :end
), per_type AS (
    SELECT f.order_id, split_part(x.d, ':', 1) AS deviation, bool_and(x.d = ANY(f.accepted)) AS accepted
    FROM f CROSS JOIN LATERAL unnest(f.deviations) AS x(d)
    GROUP BY 1, 2
), subjects AS (
    SELECT f.*, s.subject, s.bucket AS b
    FROM f CROSS JOIN LATERAL (VALUES
        ('orders', -1, true), ('conforming', -1, f.conforming),
        ('conforming_cycle', f.bucket, f.conforming AND f.timed),
        ('deviating_cycle', f.bucket, NOT f.conforming AND f.timed)) AS s(subject, bucket, included)
    WHERE s.included
    UNION ALL
    SELECT f.*, s.subject, s.bucket
    FROM per_type p JOIN f ON f.order_id = p.order_id
    CROSS JOIN LATERAL (VALUES
        ('deviation:' || p.deviation, -1, NOT p.accepted), ('accepted:' || p.deviation, -1, p.accepted),
        ('deviation_cycle:' || p.deviation, f.bucket, NOT p.accepted AND f.timed)) AS s(subject, bucket, included)
    WHERE s.included
), base AS (
    SELECT day, warehouse, channel, tier, carrier, subject, b, count(*) AS n FROM subjects GROUP BY 1, 2, 3, 4, 5, 6, 7
)
INSERT INTO flow_order_days (dim, value, span_days, day, warehouse, subject, bucket, n)
SELECT d.dim, d.value, 1, b.day, b.warehouse, b.subject, b.b, sum(b.n)
FROM base b
CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', b.channel), ('tier', b.tier), ('carrier', b.carrier)) AS d(dim, value)
GROUP BY 1, 2, 4, 5, 6, 7
ORDER BY 1, 2, 4

-- name: clear_transition_blocks
DELETE FROM flow_transition_days WHERE span_days = :size AND day = ANY(CAST(:starts AS date[]))

-- name: clear_order_blocks
DELETE FROM flow_order_days WHERE span_days = :size AND day = ANY(CAST(:starts AS date[]))

-- name: insert_transition_blocks
-- Each block of :size days starting on :starts, the sum of the :smaller-day rows inside it.
INSERT INTO flow_transition_days (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
                                  measure, bucket, n, total_hours)
SELECT r.object_type, r.dim, r.value, :size, b.day, r.warehouse, r.from_kind, r.to_kind, r.measure, r.bucket,
       sum(r.n), sum(r.total_hours)
FROM unnest(CAST(:starts AS date[])) AS b(day)
CROSS JOIN LATERAL (   -- one index range of (span_days, day) per block (OFFSET 0 keeps it so)
    SELECT * FROM flow_transition_days r
    WHERE r.span_days = :smaller AND r.day >= b.day AND r.day < b.day + :size OFFSET 0) r
GROUP BY r.object_type, r.dim, r.value, b.day, r.warehouse, r.from_kind, r.to_kind, r.measure, r.bucket
ORDER BY r.object_type, r.dim, r.value, b.day

-- name: insert_order_blocks
INSERT INTO flow_order_days (dim, value, span_days, day, warehouse, subject, bucket, n)
SELECT r.dim, r.value, :size, b.day, r.warehouse, r.subject, r.bucket, sum(r.n)
FROM unnest(CAST(:starts AS date[])) AS b(day)
CROSS JOIN LATERAL (
    SELECT * FROM flow_order_days r
    WHERE r.span_days = :smaller AND r.day >= b.day AND r.day < b.day + :size OFFSET 0) r
GROUP BY r.dim, r.value, b.day, r.warehouse, r.subject, r.bucket
ORDER BY r.dim, r.value, b.day
