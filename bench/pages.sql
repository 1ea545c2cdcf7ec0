-- Synthetic data for bench/pages.py, written straight into the projection and read-model
-- tables with INSERT ... SELECT generate_series (faster than COPY from Python, and the bench
-- measures reads, not ingest). :n orders placed evenly over :days days up to :now.

-- name: teams
INSERT INTO teams (team_id, name, lead_name) VALUES
    ('order-desk', 'Order desk', 'Maria'), ('warehouse-DAL-1', 'Warehouse DAL-1', 'Carlos'),
    ('warehouse-ATL-1', 'Warehouse ATL-1', 'Dana'), ('warehouse-RNO-1', 'Warehouse RNO-1', 'Kevin'),
    ('warehouse-CHI-1', 'Warehouse CHI-1', 'Olga'), ('warehouse-NJ-1', 'Warehouse NJ-1', 'Ben'),
    ('transport', 'Transport', 'Nina'), ('billing', 'Billing', 'Omar'), ('collections', 'Collections', 'Grace'),
    ('integrations', 'Integrations', 'Ada')
ON CONFLICT DO NOTHING

-- name: orders
-- The stage follows the order's age: hours-old orders are in the warehouse, days-old ones in
-- transit or delivered, weeks-old ones invoiced, older ones paid (3% stay unpaid).
INSERT INTO orders (order_id, customer_po, customer_id, customer_name, customer_tier, channel,
                    warehouse, region, currency, requested_at, promised_at, value, placed_at, stage,
                    status, last_event_at, milestone_count, due_at, sla_state, owner_team, waiting_on)
SELECT id, 'PO-' || i, 'C-' || (i % 5000), 'Customer ' || (i % 5000),
       (ARRAY['gold', 'silver', 'bronze'])[1 + i % 3], (ARRAY['edi', 'web', 'phone'])[1 + (i / 5) % 3],
       w, (ARRAY['South', 'East', 'West', 'Central', 'East'])[1 + i % 5], 'USD',
       placed + interval '96 hours', placed + interval '72 hours', 50 + (i * 37) % 950, placed, stage,
       CASE WHEN stage = 'paid' THEN 'closed' ELSE 'open' END,
       placed + (:now - placed) * 0.6, 12,
       placed + (:now - placed) * 0.6 + interval '8 hours',
       CASE WHEN i % 11 = 0 THEN 'breached' WHEN i % 7 = 0 THEN 'at_risk' ELSE 'on_track' END,
       'billing', 'next step'
FROM (
    SELECT i, 'B' || lpad(i::text, 8, '0') AS id,
           (ARRAY['DAL-1', 'ATL-1', 'RNO-1', 'CHI-1', 'NJ-1'])[1 + i % 5] AS w,
           :now - make_interval(secs => :days * 86400.0 * (:n - i) / :n) AS placed
    FROM generate_series(1, :n) AS i
) g
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN :now - placed < interval '2 hours' THEN (ARRAY['entered', 'validated'])[1 + i % 2]
        WHEN :now - placed < interval '20 hours' THEN (ARRAY['released', 'picked', 'packed'])[1 + i % 3]
        WHEN :now - placed < interval '72 hours' THEN (ARRAY['shipped', 'delivered'])[1 + i % 2]
        WHEN :now - placed < interval '40 days' THEN (ARRAY['invoiced', 'paid'])[1 + i % 2]
        WHEN i % 33 = 0 THEN 'invoiced'
        ELSE 'paid' END AS stage
) s

-- name: stage_times
INSERT INTO order_stage_times (order_id, stage, entered_at, warehouse)
SELECT order_id, stage, last_event_at, warehouse FROM orders

-- name: queue_items
INSERT INTO queue_items (order_id, warehouse, stage, entered_at, due_at, at_half, at_risk, at_due)
SELECT order_id, warehouse, stage, last_event_at, due_at, last_event_at + (due_at - last_event_at) * 0.5,
       last_event_at + (due_at - last_event_at) * 0.75, due_at
FROM orders WHERE status = 'open'

-- name: facts
-- What tower.kpis.facts would write for these orders (plausible, deterministic values).
INSERT INTO kpi_facts (measure, subject, order_id, anchor_at, region, warehouse, channel, customer_id, num, den)
SELECT v.measure, o.order_id, o.order_id, v.anchor, o.region, o.warehouse, o.channel, o.customer_id, v.num, v.den
FROM (SELECT o.*, substr(o.order_id, 2)::int AS i FROM orders o
      WHERE o.stage IN ('delivered', 'invoiced', 'paid')) o
CROSS JOIN LATERAL (SELECT 30 + (o.i * 13) % 120 AS cycle) c
CROSS JOIN LATERAL (VALUES
    ('cycle_time', o.placed_at + make_interval(hours => c.cycle), c.cycle::numeric, 1::numeric),
    ('seg_entry', o.placed_at + interval '1 hour', (o.i % 7) + 0.5, 1),
    ('seg_release', o.placed_at + interval '2 hours', (o.i % 5) + 0.2, 1),
    ('seg_warehouse', o.placed_at + interval '20 hours', (o.i % 30) + 2, 1),
    ('seg_transit', o.placed_at + make_interval(hours => c.cycle), greatest(c.cycle - 40, 4), 1),
    ('otif', o.promised_at, (o.i % 20 <> 0)::int, 1),
    ('fill_order', o.placed_at + interval '20 hours', (o.i % 40 <> 0)::int, 1),
    ('fill_line', o.placed_at + interval '20 hours', 3 - (o.i % 40 = 0)::int, 3),
    ('fill_unit', o.placed_at + interval '20 hours', 30 - (o.i % 40 = 0)::int * 4, 30),
    ('on_time_ship', o.placed_at + interval '20 hours', (o.i % 25 <> 0)::int, 1),
    ('invoice_latency', o.placed_at + make_interval(hours => c.cycle + 2), (o.i % 48) + 1, 1),
    ('perfect_order', o.placed_at + make_interval(hours => c.cycle + 2), (o.i % 12 <> 0)::int, 1),
    ('days_to_pay', CASE WHEN o.stage = 'paid' THEN o.placed_at + make_interval(days => 30 + o.i % 20) END,
     30 + o.i % 20, 1)
) v (measure, anchor, num, den)
WHERE v.anchor IS NOT NULL AND v.anchor <= :now

-- name: exceptions
-- About one order in 16 has an exception: a third still open, the rest resolved.
INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, assignee, title,
                        value_at_risk, priority, opened_at, due_at, acknowledged_at, resolved_at,
                        escalation_tier)
SELECT o.order_id, (ARRAY['queue_aging', 'carrier_delay', 'delivered_not_invoiced', 'payment_overdue'])[1 + i % 4],
       '', (ARRAY['low', 'medium', 'high', 'critical'])[1 + i % 4],
       CASE WHEN i % 3 = 0 THEN 'open' ELSE 'resolved' END,
       (ARRAY['warehouse-DAL-1', 'transport', 'billing', 'collections'])[1 + i % 4],
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'user' || (i % 37) END,
       'bench exception', o.value, (i % 100), o.last_event_at, o.last_event_at + interval '8 hours',
       o.last_event_at + interval '1 hour',
       CASE WHEN i % 3 = 0 THEN NULL ELSE o.last_event_at + make_interval(hours => 2 + i % 20) END,
       (i % 3 = 0 AND i % 2 = 0)::int
FROM (SELECT o.*, substr(o.order_id, 2)::int AS i FROM orders o) o
WHERE o.i % 16 = 0

-- name: exception_events
INSERT INTO exception_events (exception_id, at, actor, action)
SELECT exception_id, resolved_at, 'rules', 'resolved' FROM exceptions WHERE resolved_at IS NOT NULL
UNION ALL
SELECT exception_id, opened_at + interval '8 hours', 'rules', 'escalated' FROM exceptions WHERE exception_id % 9 = 0
UNION ALL
SELECT exception_id, resolved_at + interval '1 hour', 'rules', 'reopened' FROM exceptions
WHERE resolved_at IS NOT NULL AND exception_id % 13 = 0

-- name: incidents
WITH inc AS (
    INSERT INTO exceptions (kind, subject, severity, status, team_id, title, opened_at)
    VALUES ('integration_incident', 'wms', 'critical', 'open', 'integrations', 'WMS data is stale', :now - interval '25 minutes'),
           ('integration_incident', 'carrier', 'critical', 'open', 'integrations', 'CARRIER data is stale', :now - interval '70 minutes')
    RETURNING exception_id
)
INSERT INTO incident_orders (exception_id, order_id)
SELECT inc.exception_id, o.order_id FROM inc
CROSS JOIN LATERAL (SELECT order_id FROM orders WHERE status = 'open' ORDER BY order_id LIMIT 5000) o

-- name: runs
INSERT INTO collector_runs (source, stream, started_at, finished_at, status, records_fetched,
                            milestones_written, lag_seconds, newest_source_at, error)
SELECT s.source, s.stream, :now - make_interval(secs => k * 5.0 + 1), :now - make_interval(secs => k * 5.0),
       CASE WHEN k % 97 = 3 THEN 'failed' ELSE 'ok' END, k % 40, k % 40, 3 + k % 11,
       :now - make_interval(secs => k * 5.0 + 4),
       CASE WHEN k % 97 = 3 THEN 'HTTP 503 from ' || s.source END
FROM (VALUES ('erp', 'orders'), ('erp', 'returns'), ('wms', 'tasks'), ('wms', 'shipments'),
             ('carrier', 'events'), ('finance', 'invoices'), ('finance', 'payments'), ('finance', 'credits')) s (source, stream)
CROSS JOIN generate_series(0, 2999) AS k

-- name: dead_letters
INSERT INTO dead_letters (source, stream, record_key, payload, reason)
SELECT 'wms', 'tasks', 'T-' || k, jsonb_build_object('task_id', 'T-' || k, 'qty', 'many'), 'qty must be a number'
FROM generate_series(1, 500) AS k

-- name: snapshots
INSERT INTO queue_snapshots (taken_at, warehouse, stage, depth, oldest_age_seconds, b_fresh, b_watch, b_at_risk, b_late)
SELECT t, w, s, d, 3600 + m, d - d / 4 - d / 8 - d / 10, d / 4, d / 8, d / 10
FROM generate_series(0, 1439) AS m
CROSS JOIN unnest(ARRAY['DAL-1', 'ATL-1', 'RNO-1', 'CHI-1', 'NJ-1']) AS w
CROSS JOIN unnest(ARRAY['entered', 'validated', 'released', 'picked', 'packed', 'shipped', 'delivered', 'invoiced']) AS s
CROSS JOIN LATERAL (SELECT date_trunc('minute', :now) - make_interval(mins => m) AS t,
                           50 + (m * 7 + length(w) * 13 + length(s) * 3) % 40 AS d) x

-- name: daily
INSERT INTO kpi_daily (region, warehouse, channel, measure, day, bucket, n, num, den)
SELECT CASE WHEN grouping(region) = 1 THEN '*' ELSE region END,
       CASE WHEN grouping(warehouse) = 1 THEN '*' ELSE warehouse END,
       CASE WHEN grouping(channel) = 1 THEN '*' ELSE channel END,
       measure, (anchor_at AT TIME ZONE 'UTC')::date,
       CASE WHEN measure = ANY(:bucketed) THEN least(greatest(floor(num), 0), 100000)::int ELSE 0 END,
       count(*), sum(num), sum(den)
FROM kpi_facts
GROUP BY measure, (anchor_at AT TIME ZONE 'UTC')::date,
         CASE WHEN measure = ANY(:bucketed) THEN least(greatest(floor(num), 0), 100000)::int ELSE 0 END,
         CUBE (region, warehouse, channel)
