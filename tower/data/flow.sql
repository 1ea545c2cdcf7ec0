-- Read side of /flow: aggregates of the maintained facts (flow_orders, flow_transitions).
-- Every block filters the orders the same way: placed in [:start, :end), the page's
-- dimensions ('*' = all) and the viewer's warehouses (NULL = every warehouse).

-- name: process_map
-- One row per (from, to) pair of one object type: frequency, business-hour median / p90 / sum
-- and the wall-clock median. Rows from 'start' count an object's first event (no duration).
SELECT t.from_kind, t.to_kind, count(*)::bigint AS n,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.business_hours) AS business_quantiles,
       sum(t.business_hours) AS total_hours,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.wall_hours) AS median_wall_hours
FROM flow_transitions t
WHERE t.object_type = :object_type
  AND t.placed_at >= :start AND t.placed_at < :end
  AND (:warehouse = '*' OR t.warehouse = :warehouse)
  AND (:channel = '*' OR t.channel = :channel)
  AND (:tier = '*' OR t.customer_tier = :tier)
  AND (:carrier = '*' OR t.carrier = :carrier)
  AND (CAST(:warehouses AS text[]) IS NULL OR t.warehouse = ANY(:warehouses))
GROUP BY t.from_kind, t.to_kind

-- name: waiting
-- Total business hours waited per transition in [:start, :end) (the previous period's figures
-- come from the same block with the previous window).
SELECT t.from_kind, t.to_kind, count(*)::bigint AS n, sum(t.business_hours) AS total_hours
FROM flow_transitions t
WHERE t.object_type = :object_type AND t.from_kind <> 'start'
  AND t.placed_at >= :start AND t.placed_at < :end
  AND (:warehouse = '*' OR t.warehouse = :warehouse)
  AND (:channel = '*' OR t.channel = :channel)
  AND (:tier = '*' OR t.customer_tier = :tier)
  AND (:carrier = '*' OR t.carrier = :carrier)
  AND (CAST(:warehouses AS text[]) IS NULL OR t.warehouse = ANY(:warehouses))
GROUP BY t.from_kind, t.to_kind

-- name: transition_orders
-- The objects behind one transition, longest wait first.
SELECT t.order_id, t.object_id, t.from_at, t.to_at, t.business_hours, t.wall_hours,
       t.warehouse, t.channel, t.customer_tier, t.carrier
FROM flow_transitions t
WHERE t.object_type = :object_type AND t.from_kind = :from_kind AND t.to_kind = :to_kind
  AND t.placed_at >= :start AND t.placed_at < :end
  AND (:warehouse = '*' OR t.warehouse = :warehouse)
  AND (:channel = '*' OR t.channel = :channel)
  AND (:tier = '*' OR t.customer_tier = :tier)
  AND (:carrier = '*' OR t.carrier = :carrier)
  AND (CAST(:warehouses AS text[]) IS NULL OR t.warehouse = ANY(:warehouses))
ORDER BY t.business_hours DESC NULLS LAST, t.to_at DESC, t.object_id
LIMIT :limit

-- name: deviation_counts
-- Per deviation type: orders with it (not accepted), orders where it was accepted, and the
-- median cycle time (business hours) and count of the completed ('closed') orders having it.
WITH f AS (
    SELECT * FROM flow_orders f
    WHERE f.placed_at >= :start AND f.placed_at < :end
      AND (:warehouse = '*' OR f.warehouse = :warehouse)
      AND (:channel = '*' OR f.channel = :channel)
      AND (:tier = '*' OR f.customer_tier = :tier)
      AND (:carrier = '*' OR f.carrier = :carrier)
      AND (CAST(:warehouses AS text[]) IS NULL OR f.warehouse = ANY(:warehouses))
), d AS (
    SELECT DISTINCT f.order_id, split_part(x.d, ':', 1) AS deviation, x.d = ANY(f.accepted) AS accepted,
           f.status, f.cycle_business_hours
    FROM f CROSS JOIN LATERAL unnest(f.deviations) AS x(d)
), per_order AS (
    -- an order counts as accepted for a type only when every instance of that type is accepted
    SELECT order_id, deviation, bool_and(accepted) AS accepted, min(status) AS status,
           min(cycle_business_hours) AS cycle
    FROM d GROUP BY 1, 2
)
SELECT deviation,
       count(*) FILTER (WHERE NOT accepted)::bigint AS orders,
       count(*) FILTER (WHERE accepted)::bigint AS accepted_orders,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle) FILTER (WHERE NOT accepted AND status = 'closed') AS cycle_median,
       count(cycle) FILTER (WHERE NOT accepted AND status = 'closed')::bigint AS cycle_n
FROM per_order
GROUP BY deviation

-- name: conformance_totals
-- Orders in the filter, conforming ones (no deviation outside the allowlist), and the cycle
-- time of completed conforming orders.
SELECT count(*)::bigint AS orders,
       count(*) FILTER (WHERE f.deviations <@ f.accepted)::bigint AS conforming,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.cycle_business_hours)
           FILTER (WHERE f.deviations <@ f.accepted AND f.status = 'closed') AS cycle_median,
       count(f.cycle_business_hours) FILTER (WHERE f.deviations <@ f.accepted AND f.status = 'closed')::bigint AS cycle_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.cycle_business_hours)
           FILTER (WHERE NOT f.deviations <@ f.accepted AND f.status = 'closed') AS deviating_cycle_median,
       count(f.cycle_business_hours) FILTER (WHERE NOT f.deviations <@ f.accepted AND f.status = 'closed')::bigint AS deviating_cycle_n
FROM flow_orders f
WHERE f.placed_at >= :start AND f.placed_at < :end
  AND (:warehouse = '*' OR f.warehouse = :warehouse)
  AND (:channel = '*' OR f.channel = :channel)
  AND (:tier = '*' OR f.customer_tier = :tier)
  AND (:carrier = '*' OR f.carrier = :carrier)
  AND (CAST(:warehouses AS text[]) IS NULL OR f.warehouse = ANY(:warehouses))

-- name: conformance_trend
-- Per period (:grain of placed_at, UTC): orders, conforming orders, and orders per deviation
-- type (not accepted) as a jsonb object.
WITH f AS (
    SELECT f.order_id, date_trunc(:grain, f.placed_at AT TIME ZONE 'UTC')::date AS period,
           f.deviations <@ f.accepted AS conforming,
           ARRAY(SELECT DISTINCT split_part(x, ':', 1) FROM unnest(f.deviations) x WHERE NOT x = ANY(f.accepted)) AS types
    FROM flow_orders f
    WHERE f.placed_at >= :start AND f.placed_at < :end
      AND (:warehouse = '*' OR f.warehouse = :warehouse)
      AND (:channel = '*' OR f.channel = :channel)
      AND (:tier = '*' OR f.customer_tier = :tier)
      AND (:carrier = '*' OR f.carrier = :carrier)
      AND (CAST(:warehouses AS text[]) IS NULL OR f.warehouse = ANY(:warehouses))
)
SELECT p.period, p.orders, p.conforming, coalesce(t.types, '{}'::jsonb) AS types
FROM (SELECT period, count(*)::bigint AS orders, count(*) FILTER (WHERE conforming)::bigint AS conforming
      FROM f GROUP BY period) p
LEFT JOIN (SELECT period, jsonb_object_agg(deviation, n) AS types
           FROM (SELECT period, deviation, count(*) AS n FROM f CROSS JOIN LATERAL unnest(f.types) AS deviation
                 GROUP BY 1, 2) x GROUP BY period) t ON t.period = p.period
ORDER BY p.period

-- name: order_verdict
SELECT f.order_id, f.warehouse, f.deviations, f.accepted, f.cycle_business_hours, f.calendar
FROM flow_orders f
WHERE f.order_id = :order_id
  AND (CAST(:warehouses AS text[]) IS NULL OR f.warehouse = ANY(:warehouses))

-- name: options
SELECT 'channel' AS dim, channel AS value FROM flow_orders WHERE channel IS NOT NULL
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses)) GROUP BY channel
UNION ALL
SELECT 'tier', customer_tier FROM flow_orders WHERE customer_tier IS NOT NULL
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses)) GROUP BY customer_tier
UNION ALL
SELECT 'carrier', carrier FROM flow_orders WHERE carrier IS NOT NULL
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses)) GROUP BY carrier
UNION ALL
SELECT 'warehouse', warehouse FROM flow_orders WHERE warehouse IS NOT NULL
  AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses)) GROUP BY warehouse
ORDER BY 1, 2

-- name: freshness
-- How many orders wait for their facts to be rebuilt (shown on the page: the figures lag them),
-- and when the longest-waiting of them last changed (its projection's updated_at).
SELECT count(*)::bigint AS pending, min(o.updated_at) AS oldest
FROM orders o LEFT JOIN flow_orders f ON f.order_id = o.order_id
WHERE (f.order_id IS NULL OR f.milestone_count <> o.milestone_count)
  AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
