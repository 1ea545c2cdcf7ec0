-- What each fact of /flow adds to the rollups (flow_transition_days, flow_order_days), as two
-- views: one row per transition or order and per measure (or subject) and bucket it counts in,
-- with its day, warehouse and the dimensions kept. The rollups are sums of these rows, so they
-- can be kept two ways from one definition: a day recomputed from every fact placed on it (a
-- full rebuild), or the contributions of the orders just rebuilt, subtracted before and added
-- after, folded into the day and every block over it (tower.process.rollup). The second costs
-- what the changed orders cost; recomputing every day an order of the minute was placed on
-- read the whole 60-day history each minute of a steady stream.

CREATE VIEW flow_transition_contributions AS
SELECT t.order_id, t.object_type, t.placed_at, (t.placed_at AT TIME ZONE 'UTC')::date AS day,
       coalesce(t.warehouse, '') AS warehouse, coalesce(t.channel, '') AS channel,
       coalesce(t.customer_tier, '') AS tier, coalesce(t.carrier, '') AS carrier,
       t.from_kind, t.to_kind, m.measure, m.bucket,
       CASE WHEN m.measure = 'count' THEN t.business_hours END AS hours
FROM flow_transitions t
CROSS JOIN LATERAL (VALUES ('count', -1), ('business', flow_hours_bucket(t.business_hours)),
                           ('wall', flow_hours_bucket(t.wall_hours))) AS m(measure, bucket)
WHERE m.bucket IS NOT NULL AND t.placed_at IS NOT NULL;

-- The same per-order definitions as tower/data/flow.sql's conformance blocks: conforming = no
-- deviation outside the allowlist; a type counts as accepted for an order only when every
-- instance of it is; cycle times of completed ('closed') orders.
CREATE VIEW flow_order_contributions AS
SELECT f.order_id, f.placed_at, f.day, f.warehouse, f.channel, f.tier, f.carrier, s.subject, s.bucket
FROM (
    SELECT order_id, placed_at, (placed_at AT TIME ZONE 'UTC')::date AS day, coalesce(warehouse, '') AS warehouse,
           coalesce(channel, '') AS channel, coalesce(customer_tier, '') AS tier, coalesce(carrier, '') AS carrier,
           deviations, accepted, deviations <@ accepted AS conforming,
           status = 'closed' AND cycle_business_hours IS NOT NULL AS timed,
           flow_hours_bucket(cycle_business_hours) AS bucket
    FROM flow_orders
    WHERE placed_at IS NOT NULL
) f
-- Per order, not a grouping over every order: a read of some orders (by order_id) stays an
-- index lookup of those orders.
CROSS JOIN LATERAL (
    SELECT v.subject, v.bucket
    FROM (VALUES ('orders', -1, true), ('conforming', -1, f.conforming),
                 ('conforming_cycle', f.bucket, f.conforming AND f.timed),
                 ('deviating_cycle', f.bucket, NOT f.conforming AND f.timed)) AS v(subject, bucket, included)
    WHERE v.included
    UNION ALL
    SELECT v.subject, v.bucket
    FROM (SELECT split_part(x.d, ':', 1) AS deviation, bool_and(x.d = ANY(f.accepted)) AS accepted
          FROM unnest(f.deviations) AS x(d) GROUP BY 1) p
    CROSS JOIN LATERAL (VALUES
        ('deviation:' || p.deviation, -1, NOT p.accepted), ('accepted:' || p.deviation, -1, p.accepted),
        ('deviation_cycle:' || p.deviation, f.bucket, NOT p.accepted AND f.timed)) AS v(subject, bucket, included)
    WHERE v.included
) s;
