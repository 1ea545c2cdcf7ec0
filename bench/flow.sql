-- A synthetic order-to-cash log for bench/flow.py: :n orders over the last :days days across
-- the policy's warehouses, most on the happy path, the rest with credit holds, a shipment
-- before credit release, an invoice before shipping, a skipped pick, a cancellation, or still
-- open (cut short). Times increase within an order; durations vary by warehouse and step.

-- name: variants
CREATE TEMP TABLE bench_steps (variant int, step int, kind text) ON COMMIT DROP;
INSERT INTO bench_steps
SELECT v, s, k FROM (VALUES
    ('happy', ARRAY['placed','atp_confirmed','released','pick_started','picked','packed','shipped','carrier_pickup','in_transit','out_for_delivery','delivered','invoiced','paid']),
    ('hold', ARRAY['placed','credit_hold','credit_released','atp_confirmed','released','pick_started','picked','packed','shipped','carrier_pickup','in_transit','delivered','invoiced','paid']),
    ('ship_hold', ARRAY['placed','credit_hold','atp_confirmed','released','picked','packed','shipped','credit_released','carrier_pickup','in_transit','delivered','invoiced']),
    ('early_invoice', ARRAY['placed','atp_confirmed','released','picked','packed','invoiced','shipped','carrier_pickup','in_transit','delivered','paid']),
    ('skip_pick', ARRAY['placed','atp_confirmed','released','packed','shipped','carrier_pickup','delivered','invoiced','paid']),
    ('cancelled', ARRAY['placed','atp_confirmed','cancelled']),
    ('open', ARRAY['placed','atp_confirmed','released','pick_started','picked','packed'])
) AS t(name, kinds)
CROSS JOIN LATERAL unnest(kinds) WITH ORDINALITY AS u(k, s)
CROSS JOIN LATERAL (SELECT CASE name WHEN 'happy' THEN 0 WHEN 'hold' THEN 1 WHEN 'ship_hold' THEN 2
                    WHEN 'early_invoice' THEN 3 WHEN 'skip_pick' THEN 4 WHEN 'cancelled' THEN 5 ELSE 6 END AS v) x

-- name: orders
INSERT INTO orders (order_id, customer_id, customer_name, customer_tier, channel, warehouse, region,
                    placed_at, stage, status, milestone_count)
SELECT 'B-' || g, 'C-' || (g % 500), 'Customer ' || (g % 500), (ARRAY['gold','silver','bronze','platinum'])[1 + g % 4],
       (ARRAY['edi','web','phone'])[1 + g % 3], (ARRAY['DAL-1','ATL-1','RNO-1','CHI-1','NJ-1'])[1 + g % 5], 'South',
       now() - make_interval(days => :days) + (g::float8 / :n) * make_interval(days => :days),
       'entered', CASE v WHEN 5 THEN 'cancelled' WHEN 6 THEN 'open' WHEN 2 THEN 'open' ELSE 'closed' END,
       (SELECT count(*) FROM bench_steps s WHERE s.variant = v)
FROM generate_series(1, :n) g
CROSS JOIN LATERAL (SELECT CASE WHEN g % 20 < 13 THEN 0 ELSE g % 20 - 13 END AS v) x

-- name: milestones
INSERT INTO milestones (order_id, source, source_event_id, kind, occurred_at, shipment_id, invoice_id, attrs)
SELECT 'B-' || g, 'erp', 'B-' || g || '-' || s.step, s.kind,
       now() - make_interval(days => :days) + (g::float8 / :n) * make_interval(days => :days)
           + make_interval(secs => s.step * 3 * 3600 * (1 + g % 5) + (hashint4(g * 31 + s.step) & 65535) % 7200),
       CASE WHEN s.kind IN ('packed','shipped','carrier_pickup','in_transit','out_for_delivery','delivered') THEN 'SH-' || g END,
       CASE WHEN s.kind IN ('invoiced','paid') THEN 'INV-' || g END,
       CASE WHEN s.kind IN ('placed','picked','packed','shipped') THEN '{"lines": [{"line_no": 1}, {"line_no": 2}]}'::jsonb
            ELSE '{}'::jsonb END
FROM generate_series(1, :n) g
CROSS JOIN LATERAL (SELECT CASE WHEN g % 20 < 13 THEN 0 ELSE g % 20 - 13 END AS v) x
JOIN bench_steps s ON s.variant = x.v

-- name: shipments
-- Every variant but the cancelled one (5) has a shipment, straight from the series.
INSERT INTO shipments (shipment_id, order_id, warehouse, carrier)
SELECT 'SH-' || g, 'B-' || g, (ARRAY['DAL-1','ATL-1','RNO-1','CHI-1','NJ-1'])[1 + g % 5],
       (ARRAY['UPS','FedEx','XPO'])[1 + abs(hashtext('B-' || g)) % 3]
FROM generate_series(1, :n) g
WHERE g % 20 <> 18

-- name: drop_milestone_indexes
-- 11M rows go in several times faster with no index to keep; the same indexes are then built
-- once, by sorting (recreate_milestone_indexes: as in sql/schema.sql).
ALTER TABLE milestones DROP CONSTRAINT milestones_pkey;
DROP INDEX milestones_recorded_at_idx;
DROP INDEX milestones_timeline_idx

-- name: recreate_milestone_indexes
ALTER TABLE milestones ADD CONSTRAINT milestones_pkey PRIMARY KEY (order_id, source, source_event_id);
CREATE INDEX milestones_recorded_at_idx ON milestones USING btree (recorded_at);
CREATE INDEX milestones_timeline_idx ON milestones USING btree (order_id, occurred_at)

-- name: log
-- The event log for pm4py, as CSV through COPY (11M rows as Python tuples would take minutes).
COPY (SELECT order_id, kind, occurred_at FROM milestones ORDER BY order_id, occurred_at) TO STDOUT WITH (FORMAT csv)

-- name: mark_changed
-- :n orders placed in the last 30 days made stale, as a new milestone on each would; the UTC
-- day each is placed on.
UPDATE flow_orders SET milestone_count = -1
WHERE order_id IN (SELECT order_id FROM flow_orders WHERE placed_at > now() - interval '30 days'
                   ORDER BY hashtext(order_id) LIMIT :n)
RETURNING (placed_at AT TIME ZONE 'UTC')::date
