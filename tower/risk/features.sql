-- Point-in-time features of orders for the SLA-miss risk model (tower/risk/features.py).
-- A point is (order, as_of): the order as it stood at as_of. Every feature is computed from
-- facts that had occurred by as_of (first times of milestones compared with as_of, shipments
-- delivered by as_of), so training on closed orders never sees their future.
-- Set-based: one pass over the subjects' milestones, then cheap per-point expressions.

-- name: subjects_training
-- Orders whose outcome is known by :label_as_of: placed in [:window_from, :window_to), not
-- cancelled, with a promise; and later orders a person has given a verdict on (their label
-- until the outcome is known). Also the orders that may have sat in the same pick queues.
CREATE TEMP TABLE _risk_subjects ON COMMIT DROP AS
SELECT o.order_id, (o.status <> 'cancelled' AND o.promised_at IS NOT NULL AND o.placed_at >= :window_from
                    AND (o.placed_at < :window_to OR EXISTS (
                        SELECT 1 FROM risk_flags f WHERE f.order_id = o.order_id AND f.kind = 'sla_miss_risk'
                          AND f.status IN ('accepted', 'dismissed') AND f.reviewed_at <= :label_as_of)))
                   AS labelled
FROM orders o
WHERE o.placed_at >= CAST(:window_from AS timestamptz) - make_interval(days => 14)
  AND o.placed_at < :label_as_of
  AND (o.placed_at < :window_to OR EXISTS (
      SELECT 1 FROM risk_flags f WHERE f.order_id = o.order_id AND f.kind = 'sla_miss_risk'
        AND f.status IN ('accepted', 'dismissed')));

-- name: subjects_open
-- Scoring: every order not yet delivered (the pick queues now are made of these only).
CREATE TEMP TABLE _risk_subjects ON COMMIT DROP AS
SELECT order_id, promised_at IS NOT NULL AS labelled FROM orders
WHERE status = 'open' AND stage NOT IN ('delivered', 'invoiced', 'paid');

-- name: order_facts
-- One row per subject: first times of the milestones that move it, from one pass over the
-- subjects' milestones (a hash join and one GROUP BY, not a lookup per order).
CREATE TEMP TABLE _risk_orders ON COMMIT DROP AS
WITH f AS (
    SELECT m.order_id,
           min(m.occurred_at) FILTER (WHERE m.kind = 'credit_hold') AS hold_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'credit_released') AS hold_released_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'released') AS released_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'picked') AS picked_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'packed') AS packed_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'shipped') AS shipped_at,
           -- The first shipment by time, without sorting each order's rows (a min over
           -- [fixed-width UTC time, id] pairs).
           (min(ARRAY[to_char(m.occurred_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS'), m.shipment_id])
                FILTER (WHERE m.kind = 'shipped'))[2] AS first_shipment,
           min(m.occurred_at) FILTER (WHERE m.kind = 'atp_short') AS short_at,
           max(jsonb_array_length(CASE WHEN jsonb_typeof(m.attrs -> 'lines') = 'array'
                                       THEN m.attrs -> 'lines' END)) FILTER (WHERE m.kind = 'atp_short') AS short_lines,
           max(CASE WHEN m.kind = 'atp_short' AND m.attrs ->> 'expected_at' ~ '^\d{4}-'
                    THEN (m.attrs ->> 'expected_at')::timestamptz END) AS short_expected_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'atp_confirmed' AND m.attrs ? 'backorder_filled') AS filled_at,
           max(m.occurred_at) FILTER (WHERE m.kind = 'delivered') AS delivered_at
    FROM _risk_subjects s JOIN milestones m ON m.order_id = s.order_id
    WHERE m.kind IN ('credit_hold', 'credit_released', 'released', 'picked', 'packed', 'shipped',
                     'atp_short', 'atp_confirmed', 'delivered')
    GROUP BY m.order_id
), l AS (
    SELECT ol.order_id, count(*) AS n_lines
    FROM _risk_subjects s JOIN order_lines ol ON ol.order_id = s.order_id
    GROUP BY ol.order_id
)
SELECT s.order_id, s.labelled, o.warehouse, o.customer_tier, o.channel, o.value::float8 AS value,
       o.placed_at, o.promised_at, o.stage AS stage_now, o.status, coalesce(l.n_lines, 0) AS n_lines,
       f.hold_at, f.hold_released_at, f.released_at, f.picked_at, f.packed_at, f.shipped_at,
       f.first_shipment, f.short_at, f.short_lines, f.short_expected_at, f.filled_at, f.delivered_at
FROM _risk_subjects s
JOIN orders o ON o.order_id = s.order_id
LEFT JOIN f ON f.order_id = s.order_id
LEFT JOIN l ON l.order_id = s.order_id;

-- name: work_mem
-- Room for the hash joins of a million points in memory, for this transaction only.
SELECT set_config('work_mem', '256MB', true);

-- name: analyze
-- Temporary tables have no statistics until analysed: without them the planner guesses.
ANALYZE _risk_subjects;

-- name: analyze_orders
ANALYZE _risk_orders;

-- name: points_training
-- Points on a fixed grid (every :step_hours on the UTC clock) while each labelled order was
-- open and before its promise: the moments the model could have been asked about it.
CREATE TEMP TABLE _risk_points ON COMMIT DROP AS
SELECT r.order_id, g.as_of
FROM _risk_orders r
CROSS JOIN LATERAL generate_series(
    to_timestamp(ceil(date_part('epoch', r.placed_at) / (CAST(:step_hours AS float8) * 3600)) * (CAST(:step_hours AS float8) * 3600)),
    least(coalesce(CASE WHEN r.stage_now IN ('delivered', 'invoiced', 'paid') THEN r.delivered_at END,
                   r.promised_at), r.promised_at, :label_as_of) - interval '1 second',
    CAST(:step_hours AS float8) * interval '1 hour') AS g(as_of)
WHERE r.labelled;

-- name: points_open
CREATE TEMP TABLE _risk_points ON COMMIT DROP AS
SELECT order_id, CAST(:as_of AS timestamptz) AS as_of FROM _risk_orders WHERE labelled;

-- name: lanes
-- Shipments delivered by the latest point and within :lane_days of the earliest: each one's
-- lane (carrier out of a warehouse) and whether it arrived after the carrier's promise.
CREATE TEMP TABLE _risk_lanes ON COMMIT DROP AS
SELECT sh.carrier, sh.warehouse, sh.delivered_at,
       (sh.delivered_at > sh.promised_delivery_at)::int AS late
FROM shipments sh
WHERE sh.delivered_at IS NOT NULL AND sh.promised_delivery_at IS NOT NULL
  AND sh.delivered_at <= (SELECT max(as_of) FROM _risk_points)
  AND sh.delivered_at > (SELECT min(as_of) FROM _risk_points) - CAST(:lane_days AS float8) * interval '1 day';

-- name: source_events
-- Source freshness at a point: when each source last reported anything about an order of the
-- warehouse. The events that can matter: up to the latest point, from :quiet_cap_hours before
-- the earliest (a point sees only events before it, at most the cap back).
CREATE TEMP TABLE _risk_source_events ON COMMIT DROP AS
SELECT o.warehouse, m.source, m.occurred_at
FROM milestones m JOIN orders o ON o.order_id = m.order_id
WHERE m.occurred_at <= (SELECT max(as_of) FROM _risk_points)
  AND m.occurred_at > (SELECT min(as_of) FROM _risk_points) - CAST(:quiet_cap_hours AS float8) * interval '1 hour';

-- name: analyze_source_events
ANALYZE _risk_source_events;

-- name: features
WITH pts AS (
    SELECT p.as_of, r.*,
           sh.carrier, sh.promised_delivery_at,
           -- the source that reports the order's next step at this point
           CASE WHEN r.shipped_at <= p.as_of THEN 'carrier'
                WHEN least(r.released_at, r.picked_at, r.packed_at) <= p.as_of THEN 'wms'
                ELSE 'erp' END AS next_source
    FROM _risk_points p
    JOIN _risk_orders r ON r.order_id = p.order_id
    LEFT JOIN shipments sh ON sh.shipment_id = r.first_shipment AND r.shipped_at <= p.as_of
), quiet AS (
    -- Hours since that source last reported on any order of the warehouse, capped.
    SELECT k.warehouse, k.next_source, k.as_of,
           least(CAST(:quiet_cap_hours AS float8),
                 coalesce(date_part('epoch', k.as_of - max(e.occurred_at)) / 3600.0,
                          CAST(:quiet_cap_hours AS float8))) AS quiet_hours
    FROM (SELECT DISTINCT warehouse, next_source, as_of FROM pts) k
    LEFT JOIN _risk_source_events e ON e.warehouse = k.warehouse AND e.source = k.next_source
                                   AND e.occurred_at <= k.as_of
                                   AND e.occurred_at > k.as_of - CAST(:quiet_cap_hours AS float8) * interval '1 hour'
    GROUP BY k.warehouse, k.next_source, k.as_of
), queue AS (
    -- The pick queue of each warehouse at each point in time: released, not yet picked.
    SELECT w.warehouse, w.as_of, count(q.order_id) AS queue_depth,
           coalesce(avg(date_part('epoch', w.as_of - q.released_at)) / 3600.0, 0) AS queue_age_hours
    FROM (SELECT DISTINCT warehouse, as_of FROM pts) w
    LEFT JOIN _risk_orders q ON q.warehouse = w.warehouse AND q.released_at <= w.as_of
                            AND (q.picked_at IS NULL OR q.picked_at > w.as_of)
    GROUP BY w.warehouse, w.as_of
), lane AS (
    SELECT k.carrier, k.warehouse, k.as_of, avg(l.late)::float8 AS late_rate, count(l.late) AS shipments
    FROM (SELECT DISTINCT carrier, warehouse, as_of FROM pts WHERE carrier IS NOT NULL) k
    JOIN _risk_lanes l ON l.carrier = k.carrier AND l.warehouse = k.warehouse
                      AND l.delivered_at <= k.as_of AND l.delivered_at > k.as_of - CAST(:lane_days AS float8) * interval '1 day'
    GROUP BY k.carrier, k.warehouse, k.as_of
), outbound AS (
    SELECT k.warehouse, k.as_of, avg(l.late)::float8 AS late_rate
    FROM (SELECT DISTINCT warehouse, as_of FROM pts) k
    JOIN _risk_lanes l ON l.warehouse = k.warehouse
                      AND l.delivered_at <= k.as_of AND l.delivered_at > k.as_of - CAST(:lane_days AS float8) * interval '1 day'
    GROUP BY k.warehouse, k.as_of
)
SELECT p.order_id, p.as_of, p.warehouse, p.customer_tier, p.channel, p.value, p.n_lines,
       p.placed_at, p.promised_at, p.carrier,
       CASE WHEN p.shipped_at <= p.as_of THEN 'shipped'
            WHEN p.packed_at <= p.as_of THEN 'packed'
            WHEN p.picked_at <= p.as_of THEN 'picked'
            WHEN p.released_at <= p.as_of THEN 'released'
            WHEN p.hold_at <= p.as_of AND (p.hold_released_at IS NULL OR p.hold_released_at > p.as_of) THEN 'credit_hold'
            WHEN p.short_at <= p.as_of AND (p.filled_at IS NULL OR p.filled_at > p.as_of) THEN 'backorder'
            ELSE 'entered' END AS stage,
       date_part('epoch', p.as_of - CASE
            WHEN p.shipped_at <= p.as_of THEN p.shipped_at
            WHEN p.packed_at <= p.as_of THEN p.packed_at
            WHEN p.picked_at <= p.as_of THEN p.picked_at
            WHEN p.released_at <= p.as_of THEN p.released_at
            WHEN p.hold_at <= p.as_of AND (p.hold_released_at IS NULL OR p.hold_released_at > p.as_of) THEN p.hold_at
            WHEN p.short_at <= p.as_of AND (p.filled_at IS NULL OR p.filled_at > p.as_of) THEN p.short_at
            ELSE p.placed_at END) / 3600.0 AS hours_in_stage,
       date_part('epoch', p.promised_at - p.as_of) / 3600.0 AS hours_to_promise,
       date_part('epoch', p.promised_at - p.placed_at) / 3600.0 AS promise_hours,
       CASE WHEN p.hold_at <= p.as_of
            THEN date_part('epoch', least(coalesce(p.hold_released_at, p.as_of), p.as_of) - p.hold_at) / 3600.0
            ELSE 0 END AS hold_hours,
       (p.hold_at <= p.as_of AND (p.hold_released_at IS NULL OR p.hold_released_at > p.as_of))::int AS on_hold,
       CASE WHEN p.short_at <= p.as_of AND (p.filled_at IS NULL OR p.filled_at > p.as_of)
            THEN coalesce(p.short_lines, 1) ELSE 0 END AS lines_short,
       CASE WHEN p.short_at <= p.as_of AND (p.filled_at IS NULL OR p.filled_at > p.as_of)
                 AND p.short_expected_at IS NOT NULL
            THEN date_part('epoch', p.short_expected_at - p.promised_at) / 3600.0 ELSE NULL END
            AS restock_after_promise_hours,
       CASE WHEN p.promised_delivery_at IS NOT NULL
            THEN date_part('epoch', p.promised_delivery_at - p.promised_at) / 3600.0 END
            AS carrier_after_promise_hours,
       coalesce(q.queue_depth, 0) AS queue_depth, coalesce(q.queue_age_hours, 0) AS queue_age_hours,
       ln.late_rate AS lane_late_rate, coalesce(ln.shipments, 0) AS lane_shipments,
       ob.late_rate AS outbound_late_rate,
       p.next_source, coalesce(qt.quiet_hours, CAST(:quiet_cap_hours AS float8)) AS source_quiet_hours,
       CASE WHEN p.stage_now IN ('delivered', 'invoiced', 'paid') AND p.delivered_at <= :label_as_of
            THEN (p.delivered_at > p.promised_at)::int
            WHEN p.promised_at <= :label_as_of THEN 1
            END AS missed,
       rv.label AS review_label
FROM pts p
LEFT JOIN (
    -- The latest verdict a person gave on each order's SLA-miss flag (accepted = will miss).
    SELECT DISTINCT ON (f.order_id) f.order_id, (f.status = 'accepted')::int AS label FROM risk_flags f
    WHERE f.kind = 'sla_miss_risk' AND f.status IN ('accepted', 'dismissed') AND f.reviewed_at <= :label_as_of
    ORDER BY f.order_id, f.reviewed_at DESC
) rv ON rv.order_id = p.order_id
LEFT JOIN queue q ON q.warehouse = p.warehouse AND q.as_of = p.as_of
LEFT JOIN lane ln ON ln.carrier = p.carrier AND ln.warehouse = p.warehouse AND ln.as_of = p.as_of
LEFT JOIN outbound ob ON ob.warehouse = p.warehouse AND ob.as_of = p.as_of
LEFT JOIN quiet qt ON qt.warehouse IS NOT DISTINCT FROM p.warehouse AND qt.next_source = p.next_source
                  AND qt.as_of = p.as_of;

-- name: drop
DROP TABLE IF EXISTS _risk_points, _risk_lanes, _risk_orders, _risk_subjects, _risk_source_events;
