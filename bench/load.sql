-- The backlogs of a real store for bench/load.py, on top of bench/pages.sql's read models
-- (which are loaded with triggers off and leave no backlog). In the demo the KPI job's
-- backlog reached ~700k marks and the rules worker's a few thousand orders; the order page
-- reads an order's milestones, so the orders the bench opens get a realistic timeline.

-- name: kpi_backlog
-- The given number of marks over the last given minutes, several per order, oldest first (as the
-- statement-level triggers write them).
INSERT INTO kpi_dirty (subject_type, subject_id, marked_at)
SELECT 'order', 'B' || lpad((1 + (g::bigint * 7919) % :n)::text, 8, '0'),
       :now - make_interval(secs => 60.0 * :minutes * (:marks - g) / :marks)
FROM generate_series(1, :marks) AS g

-- name: dirty_backlog
-- Orders waiting for the rules worker (one row per order).
INSERT INTO dirty_orders (order_id, marked_at)
SELECT order_id, :now - make_interval(secs => (substr(order_id, 2)::int % 600)::float)
FROM orders WHERE status = 'open' ORDER BY order_id DESC LIMIT :dirty
ON CONFLICT (order_id) DO NOTHING

-- name: milestones
-- An order-to-cash timeline (ERP, WMS, carrier, finance) for every n-th order (`every`).
INSERT INTO milestones (order_id, source, source_event_id, kind, occurred_at, shipment_id, invoice_id, attrs)
SELECT o.order_id, m.source, o.order_id || ':' || m.kind, m.kind,
       o.placed_at + m.hours * interval '1 hour', m.shipment, m.invoice, '{}'::jsonb
FROM orders o
CROSS JOIN LATERAL (VALUES
    ('erp', 'placed', 0, NULL, NULL), ('erp', 'priced', 0.1, NULL, NULL),
    ('erp', 'atp_confirmed', 0.2, NULL, NULL), ('erp', 'released', 1, NULL, NULL),
    ('wms', 'pick_started', 3, NULL, NULL), ('wms', 'picked', 5, NULL, NULL),
    ('wms', 'packed', 8, o.order_id || '-S1', NULL), ('wms', 'shipped', 12, o.order_id || '-S1', NULL),
    ('carrier', 'carrier_pickup', 13, o.order_id || '-S1', NULL),
    ('carrier', 'in_transit', 20, o.order_id || '-S1', NULL),
    ('carrier', 'delivered', 40, o.order_id || '-S1', NULL),
    ('finance', 'invoiced', 42, NULL, o.order_id || '-I1')
) AS m (source, kind, hours, shipment, invoice)
WHERE substr(o.order_id, 2)::int % :every = 0
  AND o.placed_at + m.hours * interval '1 hour' <= :now
ON CONFLICT DO NOTHING

-- name: sample_orders
SELECT order_id, customer_po, customer_name FROM orders
WHERE substr(order_id, 2)::int % :every = 0 ORDER BY order_id DESC LIMIT 200

-- name: open_exceptions
SELECT exception_id FROM exceptions WHERE status = 'open' ORDER BY exception_id DESC LIMIT 5000
