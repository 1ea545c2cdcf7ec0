-- Maintained facts of /flow. Every statement works on a set of orders (:order_ids), so the
-- same SQL serves the minute job (the orders that changed) and a full rebuild.

-- name: stale_orders
-- Orders whose facts are missing, older than their milestones, or built under another policy.
SELECT o.order_id
FROM orders o
LEFT JOIN flow_orders f ON f.order_id = o.order_id
WHERE f.order_id IS NULL OR f.milestone_count <> o.milestone_count OR f.policy_version <> :version
LIMIT :limit

-- name: calendars_version
SELECT min(policy_version) AS low, max(policy_version) AS high, count(*) AS n FROM flow_calendars

-- name: clear_calendar_days
DELETE FROM flow_calendar_days

-- name: clear_calendars
DELETE FROM flow_calendars

-- name: clear_warehouse_calendars
DELETE FROM flow_warehouse_calendars

-- name: insert_calendar_days
-- Local opening and closing wall times turned into instants by Postgres's zone rules, so DST
-- days come out right (a 08:00-17:00 day is 9 h on both sides of the change).
INSERT INTO flow_calendar_days (calendar, day, opens_at, closes_at, open_seconds, open_before)
SELECT :calendar, day, opens_at, closes_at, open_seconds,
       coalesce(sum(open_seconds) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
FROM (
    SELECT d::date AS day,
           (d::date + CAST(:opens AS time)) AT TIME ZONE :tz AS opens_at,
           CASE WHEN working THEN (d::date + CAST(:closes AS time)) AT TIME ZONE :tz
                ELSE (d::date + CAST(:opens AS time)) AT TIME ZONE :tz END AS closes_at,
           CASE WHEN working THEN extract(epoch FROM ((d::date + CAST(:closes AS time)) AT TIME ZONE :tz)
                                                   - ((d::date + CAST(:opens AS time)) AT TIME ZONE :tz))::float8
                ELSE 0 END AS open_seconds
    FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d,
         LATERAL (SELECT (extract(isodow FROM d)::int - 1) = ANY(CAST(:days AS int[]))
                         AND NOT d::date = ANY(CAST(:holidays AS date[])) AS working) w
) x

-- name: insert_calendar
INSERT INTO flow_calendars (calendar, tz, policy_version) VALUES (:calendar, :tz, :version)

-- name: insert_warehouse_calendar
INSERT INTO flow_warehouse_calendars (warehouse, calendar) VALUES (:warehouse, :calendar)

-- name: work_mem
SET LOCAL work_mem = '256MB'

-- name: delete_transitions
DELETE FROM flow_transitions WHERE order_id = ANY(:order_ids)

-- name: delete_orders
DELETE FROM flow_orders WHERE order_id = ANY(:order_ids)

-- name: insert_transitions
-- Each milestone's business clock on its order's warehouse calendar, then each object's events
-- in the store's fixed order (time, milestone rank, kind) and the pairs that directly follow.
-- Lines are the entries of attrs.lines (or line_no); shipments and invoices their own ids.
-- Each object's first event also gets a row from 'start' (no duration), so an activity's
-- frequency is the number of rows into it.
WITH target AS (
    SELECT o.order_id, coalesce(wc.calendar, dc.calendar) AS calendar, o.placed_at, o.warehouse, o.channel,
           o.customer_tier, (SELECT min(s.carrier) FROM shipments s WHERE s.order_id = o.order_id) AS carrier
    FROM orders o
    LEFT JOIN flow_warehouse_calendars wc ON wc.warehouse = o.warehouse
    CROSS JOIN (SELECT calendar FROM flow_warehouse_calendars WHERE warehouse = '*') dc
    WHERE o.order_id = ANY(:order_ids)
),
kinds AS (
    SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:ranks AS int[])) AS k(kind, rank)
),
ev AS (
    SELECT m.order_id, m.kind, m.occurred_at, k.rank, m.shipment_id, m.invoice_id, m.line_no,
           m.attrs->'lines' AS lines,
           d.open_before + greatest(0, least(extract(epoch FROM m.occurred_at - d.opens_at)::float8,
                                             d.open_seconds)) AS clock
    FROM milestones m
    JOIN target t ON t.order_id = m.order_id
    JOIN kinds k ON k.kind = m.kind
    JOIN flow_calendars c ON c.calendar = t.calendar
    LEFT JOIN flow_calendar_days d ON d.calendar = t.calendar AND d.day = (m.occurred_at AT TIME ZONE c.tz)::date
),
objects AS (
    SELECT order_id, 'order' AS object_type, order_id AS object_id, kind, occurred_at, rank, clock FROM ev
    UNION ALL
    SELECT order_id, 'shipment', shipment_id, kind, occurred_at, rank, clock FROM ev WHERE shipment_id IS NOT NULL
    UNION ALL
    SELECT order_id, 'invoice', invoice_id, kind, occurred_at, rank, clock FROM ev WHERE invoice_id IS NOT NULL
    UNION ALL
    SELECT DISTINCT ev.order_id, 'line', ev.order_id || '/' || l.line_no, ev.kind, ev.occurred_at, ev.rank, ev.clock
    FROM ev
    CROSS JOIN LATERAL (
        SELECT elem->>'line_no' AS line_no
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(ev.lines) = 'array' THEN ev.lines ELSE '[]'::jsonb END) elem
        WHERE elem->>'line_no' IS NOT NULL
        UNION
        SELECT ev.line_no::text WHERE ev.line_no IS NOT NULL
    ) l
),
pairs AS (
    SELECT order_id, object_type, object_id,
           coalesce(lag(kind) OVER w, 'start') AS from_kind, kind AS to_kind,
           coalesce(lag(occurred_at) OVER w, occurred_at) AS from_at, occurred_at AS to_at,
           CASE WHEN lag(kind) OVER w IS NULL THEN 0 ELSE clock - lag(clock) OVER w END AS business_seconds
    FROM objects
    WINDOW w AS (PARTITION BY object_type, object_id ORDER BY occurred_at, rank, kind)
)
INSERT INTO flow_transitions (order_id, object_type, object_id, from_kind, to_kind, from_at, to_at,
                              wall_hours, business_hours, placed_at, warehouse, channel, customer_tier, carrier)
SELECT p.order_id, p.object_type, p.object_id, p.from_kind, p.to_kind, p.from_at, p.to_at,
       extract(epoch FROM p.to_at - p.from_at)::float8 / 3600.0, p.business_seconds / 3600.0,
       coalesce(t.placed_at, s.first_at), t.warehouse, t.channel, t.customer_tier, t.carrier
FROM pairs p
JOIN target t ON t.order_id = p.order_id
JOIN (SELECT order_id, min(occurred_at) AS first_at FROM ev GROUP BY 1) s ON s.order_id = p.order_id

-- name: insert_orders
-- The conformance verdict of each order, the same rules as tower/rules/flow_model.check (a test
-- holds the two together): positions in the fixed order, first occurrences and counts of each
-- kind before a cancellation, then one branch per deviation type.
WITH target AS (
    SELECT o.order_id, o.placed_at, o.warehouse, o.channel, o.customer_tier, o.status,
           o.milestone_count, coalesce(wc.calendar, dc.calendar) AS calendar,
           (SELECT min(s.carrier) FROM shipments s WHERE s.order_id = o.order_id) AS carrier
    FROM orders o
    LEFT JOIN flow_warehouse_calendars wc ON wc.warehouse = o.warehouse
    CROSS JOIN (SELECT calendar FROM flow_warehouse_calendars WHERE warehouse = '*') dc
    WHERE o.order_id = ANY(:order_ids)
),
kinds AS (
    SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:ranks AS int[]), CAST(:stages AS int[]),
                         CAST(:mandatory AS boolean[]), CAST(:repeatable AS boolean[]))
             AS k(kind, rank, stage, mandatory, repeatable)
),
ev AS (
    SELECT m.order_id, m.kind, m.occurred_at, k.stage, k.repeatable,
           row_number() OVER (PARTITION BY m.order_id ORDER BY m.occurred_at, k.rank, m.kind) AS pos
    FROM milestones m
    JOIN target t ON t.order_id = m.order_id
    JOIN kinds k ON k.kind = m.kind
),
cancel AS (
    SELECT order_id, min(pos) AS cpos FROM ev WHERE kind = 'cancelled' GROUP BY 1
),
per_kind AS (
    SELECT e.order_id, e.kind, e.stage, e.repeatable, min(e.pos) AS first_pos, count(*) AS n
    FROM ev e LEFT JOIN cancel c ON c.order_id = e.order_id
    WHERE c.cpos IS NULL OR e.pos < c.cpos
    GROUP BY 1, 2, 3, 4
),
reached AS (
    SELECT order_id, max(stage) AS stage FROM per_kind GROUP BY 1
),
dev AS (
    SELECT e.order_id, 'step_after_cancellation:' || e.kind AS d
    FROM ev e JOIN cancel c ON c.order_id = e.order_id
    WHERE e.pos > c.cpos AND e.kind <> 'cancelled' AND NOT e.kind = ANY(CAST(:after_cancellation AS text[]))
    UNION ALL
    SELECT order_id, 'repeated_step:' || kind FROM per_kind WHERE stage IS NOT NULL AND n > 1 AND NOT repeatable
    UNION ALL
    SELECT r.order_id, 'missing_step:' || k.kind
    FROM reached r JOIN kinds k ON k.mandatory AND k.stage < r.stage
    WHERE NOT EXISTS (SELECT 1 FROM per_kind p WHERE p.order_id = r.order_id AND p.kind = k.kind)
    UNION ALL
    SELECT order_id, 'out_of_sequence:' || kind
    FROM (SELECT order_id, kind, stage,
                 max(stage) OVER (PARTITION BY order_id ORDER BY first_pos
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS highest
          FROM per_kind WHERE stage IS NOT NULL) s
    WHERE stage < highest
    UNION ALL
    SELECT s.order_id, p.name || ':' || p.step
    FROM unnest(CAST(:pre_names AS text[]), CAST(:pre_steps AS text[]), CAST(:pre_needs AS text[]),
                CAST(:pre_if_seen AS text[])) AS p(name, step, needs, if_seen)
    JOIN per_kind s ON s.kind = p.step
    LEFT JOIN per_kind n ON n.order_id = s.order_id AND n.kind = p.needs
    LEFT JOIN per_kind i ON i.order_id = s.order_id AND i.kind = p.if_seen
    WHERE (p.if_seen IS NULL OR i.first_pos < s.first_pos)
      AND NOT coalesce(n.first_pos < s.first_pos, false)
),
allow AS (
    SELECT * FROM unnest(CAST(:acc_deviations AS text[]), CAST(:acc_steps AS text[]),
                         CAST(:acc_warehouses AS text[]), CAST(:acc_channels AS text[]),
                         CAST(:acc_tiers AS text[])) AS a(deviation, step, warehouse, channel, tier)
),
verdict AS (
    SELECT d.order_id,
           array_agg(d.d ORDER BY d.d) AS deviations,
           coalesce(array_agg(d.d ORDER BY d.d) FILTER (WHERE EXISTS (
               SELECT 1 FROM allow a
               WHERE a.deviation = split_part(d.d, ':', 1)
                 AND (a.step IS NULL OR a.step = split_part(d.d, ':', 2))
                 AND (a.warehouse IS NULL OR a.warehouse = t.warehouse)
                 AND (a.channel IS NULL OR a.channel = t.channel)
                 AND (a.tier IS NULL OR a.tier = t.customer_tier))), '{}') AS accepted
    FROM (SELECT DISTINCT order_id, d FROM dev) d
    JOIN target t ON t.order_id = d.order_id
    GROUP BY d.order_id
),
span AS (
    SELECT order_id, min(occurred_at) AS first_at, max(occurred_at) AS last_at FROM ev GROUP BY 1
),
cycle AS (
    SELECT s.order_id, s.first_at, s.last_at,
           ((b.open_before + greatest(0, least(extract(epoch FROM s.last_at - b.opens_at)::float8, b.open_seconds)))
            - (a.open_before + greatest(0, least(extract(epoch FROM s.first_at - a.opens_at)::float8, a.open_seconds))))
           / 3600.0 AS hours
    FROM span s
    JOIN target t ON t.order_id = s.order_id
    JOIN flow_calendars c ON c.calendar = t.calendar
    LEFT JOIN flow_calendar_days a ON a.calendar = t.calendar AND a.day = (s.first_at AT TIME ZONE c.tz)::date
    LEFT JOIN flow_calendar_days b ON b.calendar = t.calendar AND b.day = (s.last_at AT TIME ZONE c.tz)::date
)
INSERT INTO flow_orders (order_id, placed_at, warehouse, channel, customer_tier, carrier, status,
                         calendar, first_at, last_at, cycle_business_hours, deviations, accepted,
                         milestone_count, policy_version)
SELECT t.order_id, coalesce(t.placed_at, s.first_at), t.warehouse, t.channel, t.customer_tier,
       t.carrier, t.status, t.calendar, s.first_at, s.last_at,
       s.hours,
       coalesce(v.deviations, '{}'), coalesce(v.accepted, '{}'), t.milestone_count, :version
FROM target t
LEFT JOIN cycle s ON s.order_id = t.order_id
LEFT JOIN verdict v ON v.order_id = t.order_id
