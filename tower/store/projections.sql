-- Projections recomputed for the orders in _touched from the SET of their milestones.
-- Whatever the arrival order or the number of re-deliveries, the same set gives the same rows.
-- A projection is recomputed only for the orders whose new facts include a kind it reads
-- (_touched.kinds; NULL, as in a rebuild: every projection): its rows are a function of those
-- facts alone, so the others cannot have changed. A carrier scan recomputes the order's header,
-- shipments and state, not its lines, invoices, payments or returns.
-- A row whose recomputed values equal the stored ones is not written again (the IS DISTINCT
-- FROM guards): a carrier scan touches its order, but rarely its lines, invoices or stage, and
-- every write is a new row version with its index entries.
-- "Latest" always means: latest occurred_at, then the fixed stage order, then source_event_id
-- (never arrival order).

-- name: defer_order_keys
-- The keys of the order's lines, shipments, invoices, payments and returns are checked at
-- commit (migration 0024), also when the caller has made constraints immediate: the lines are
-- written before their order (see project_orders).
SET CONSTRAINTS order_lines_order_id_fkey, shipments_order_id_fkey, invoices_order_id_fkey,
    payments_order_id_fkey, returns_order_id_fkey DEFERRED;

-- name: load_touched_milestones
-- Every milestone of every touched order, read once through the order-led primary key; the
-- projections below all read this small table instead of the log.
CREATE TEMP TABLE IF NOT EXISTS _tm (LIKE milestones) ON COMMIT DELETE ROWS;  -- see create_stage
DELETE FROM _tm;
INSERT INTO _tm SELECT m.* FROM _touched t JOIN milestones m ON m.order_id = t.order_id;

-- name: project_order_lines
WITH ev AS (
    SELECT m.order_id, m.kind, m.occurred_at, m.source_event_id, m.shipment_id,
           (l->>'line_no')::integer AS line_no, l
    FROM _tm m
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(m.attrs->'lines') = 'array' THEN m.attrs->'lines'
             WHEN m.line_no IS NOT NULL THEN jsonb_build_array(
                 jsonb_build_object('line_no', m.line_no, 'qty', m.attrs->'qty'))
             ELSE '[]'::jsonb END) AS l
    WHERE m.kind IN ('placed', 'amended', 'priced', 'atp_short', 'atp_confirmed', 'picked',
                     'packed', 'shipped', 'invoiced', 'return_received', 'credited')
      -- only orders whose new facts can change a line (a delivery changes qty_delivered)
      AND m.order_id IN (SELECT order_id FROM _touched
                         WHERE kinds IS NULL OR kinds && ARRAY['placed', 'amended', 'priced',
                               'atp_short', 'atp_confirmed', 'picked', 'packed', 'shipped',
                               'invoiced', 'return_received', 'credited', 'delivered'])
), header AS (
    SELECT DISTINCT ON (order_id, line_no) order_id, line_no, l
    FROM ev WHERE kind IN ('placed', 'amended')
    ORDER BY order_id, line_no, occurred_at DESC, (kind = 'amended') DESC, source_event_id DESC
), price AS (
    SELECT DISTINCT ON (order_id, line_no) order_id, line_no, l
    FROM ev WHERE kind = 'priced'
    ORDER BY order_id, line_no, occurred_at DESC, source_event_id DESC
), alloc AS (
    SELECT DISTINCT ON (order_id, line_no) order_id, line_no,
           coalesce((l->>'qty')::numeric, 0) AS qty, coalesce((l->>'qty_short')::numeric, 0) AS short
    FROM ev WHERE kind IN ('atp_short', 'atp_confirmed')
    ORDER BY order_id, line_no, occurred_at DESC, (kind = 'atp_confirmed') DESC, source_event_id DESC
), sums AS (
    SELECT order_id, line_no,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'picked'), 0) AS picked,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'packed'), 0) AS packed,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'shipped'), 0) AS shipped,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'invoiced'), 0) AS invoiced,
           coalesce(sum((l->>'qty')::numeric * coalesce((l->>'unit_price')::numeric, 0))
                    FILTER (WHERE kind = 'invoiced'), 0) AS invoiced_amount,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'return_received'), 0) AS returned,
           coalesce(sum((l->>'qty')::numeric) FILTER (WHERE kind = 'credited'), 0) AS credited
    FROM ev GROUP BY order_id, line_no
), delivered_shipments AS (
    SELECT DISTINCT order_id, shipment_id FROM _tm WHERE kind = 'delivered' AND shipment_id IS NOT NULL
), delivered AS (
    -- A line is delivered by the quantity its delivered shipments carried.
    SELECT e.order_id, e.line_no, sum((e.l->>'qty')::numeric) AS qty
    FROM ev e JOIN delivered_shipments d USING (order_id, shipment_id)
    WHERE e.kind = 'shipped'
    GROUP BY e.order_id, e.line_no
)
INSERT INTO order_lines AS ol (
    order_id, line_no, sku, description, qty_ordered, qty_allocated, qty_short, qty_picked,
    qty_packed, qty_shipped, qty_delivered, qty_invoiced, qty_returned, qty_credited,
    unit_price, list_price, invoiced_amount)
SELECT s.order_id, s.line_no, h.l->>'sku', h.l->>'description',
       coalesce((h.l->>'qty')::numeric, 0), coalesce(a.qty, 0), coalesce(a.short, 0),
       s.picked, s.packed, s.shipped, coalesce(d.qty, 0), s.invoiced, s.returned, s.credited,
       coalesce((p.l->>'unit_price')::numeric, (h.l->>'unit_price')::numeric),
       coalesce((p.l->>'list_price')::numeric, (h.l->>'list_price')::numeric),
       s.invoiced_amount
FROM sums s
LEFT JOIN header h USING (order_id, line_no)
LEFT JOIN price p USING (order_id, line_no)
LEFT JOIN alloc a USING (order_id, line_no)
LEFT JOIN delivered d USING (order_id, line_no)
WHERE s.line_no IS NOT NULL
ON CONFLICT (order_id, line_no) DO UPDATE SET
    sku = excluded.sku, description = excluded.description, qty_ordered = excluded.qty_ordered,
    qty_allocated = excluded.qty_allocated, qty_short = excluded.qty_short,
    qty_picked = excluded.qty_picked, qty_packed = excluded.qty_packed,
    qty_shipped = excluded.qty_shipped, qty_delivered = excluded.qty_delivered,
    qty_invoiced = excluded.qty_invoiced, qty_returned = excluded.qty_returned,
    qty_credited = excluded.qty_credited, unit_price = excluded.unit_price,
    list_price = excluded.list_price, invoiced_amount = excluded.invoiced_amount
WHERE (ol.sku, ol.description, ol.qty_ordered, ol.qty_allocated, ol.qty_short, ol.qty_picked,
       ol.qty_packed, ol.qty_shipped, ol.qty_delivered, ol.qty_invoiced, ol.qty_returned,
       ol.qty_credited, ol.unit_price, ol.list_price, ol.invoiced_amount)
      IS DISTINCT FROM
      (excluded.sku, excluded.description, excluded.qty_ordered, excluded.qty_allocated,
       excluded.qty_short, excluded.qty_picked, excluded.qty_packed, excluded.qty_shipped,
       excluded.qty_delivered, excluded.qty_invoiced, excluded.qty_returned,
       excluded.qty_credited, excluded.unit_price, excluded.list_price, excluded.invoiced_amount);

-- name: project_orders
-- The order row: its header (the latest placed/amended facts) and its state (the furthest
-- stage the whole order has reached, every line by quantity; its status; whether it is partly
-- shipped or on credit hold, the latest credit fact winning), written once. It runs after the
-- lines and invoices its state is computed from, which point at the order with keys checked at
-- commit (migration 0024): written before them for its header and after them for its state,
-- every order was two row versions, two change-feed rows and two KPI marks per batch.
WITH a AS (
    SELECT order_id,
           min(occurred_at) FILTER (WHERE kind = 'placed') AS placed_at,
           max(occurred_at) AS last_event_at,
           max(occurred_at) FILTER (WHERE source = 'erp') AS erp,
           max(occurred_at) FILTER (WHERE source = 'wms') AS wms,
           max(occurred_at) FILTER (WHERE source = 'carrier') AS carrier,
           max(occurred_at) FILTER (WHERE source = 'finance') AS finance,
           count(*)::integer AS n,
           bool_or(kind = 'cancelled') AS cancelled,
           bool_or(kind = 'released') AS released,
           (array_agg(kind ORDER BY occurred_at DESC, (kind = 'credit_released') DESC,
                      source_event_id DESC)
                FILTER (WHERE kind IN ('credit_hold', 'credit_released')))[1] AS credit_kind
    FROM _tm GROUP BY order_id
), h AS (
    SELECT DISTINCT ON (order_id) order_id, attrs
    FROM _tm WHERE kind IN ('placed', 'amended')
    ORDER BY order_id, occurred_at DESC, (kind = 'amended') DESC, source_event_id DESC
), x AS (
    SELECT a.*, h.attrs,
           coalesce(l.value, 0) AS value,
           coalesce(l.any_shipped AND NOT l.all_shipped, false) AS partial,
           CASE
               WHEN a.cancelled THEN 'cancelled'
               WHEN l.n IS NULL OR l.n = 0 THEN 'entered'
               WHEN l.all_invoiced AND inv.amount > 0 AND inv.paid >= inv.amount THEN 'paid'
               WHEN l.all_invoiced THEN 'invoiced'
               WHEN l.all_delivered THEN 'delivered'
               WHEN l.all_shipped THEN 'shipped'
               WHEN l.all_packed THEN 'packed'
               WHEN l.all_picked THEN 'picked'
               WHEN a.released THEN 'released'
               WHEN l.all_allocated AND coalesce(a.credit_kind, '') <> 'credit_hold' THEN 'validated'
               ELSE 'entered'
           END AS stage
    FROM a
    LEFT JOIN h USING (order_id)
    LEFT JOIN LATERAL (
        SELECT count(*) AS n,
               sum(qty_ordered * coalesce(unit_price, 0)) AS value,
               bool_and(qty_allocated >= qty_ordered) AS all_allocated,
               bool_and(qty_picked >= qty_ordered) AS all_picked,
               bool_and(qty_packed >= qty_ordered) AS all_packed,
               bool_and(qty_shipped >= qty_ordered) AS all_shipped,
               bool_or(qty_shipped > 0) AS any_shipped,
               bool_and(qty_delivered >= qty_ordered) AS all_delivered,
               bool_and(qty_invoiced >= qty_ordered) AS all_invoiced
        FROM order_lines ol WHERE ol.order_id = a.order_id AND ol.qty_ordered > 0
    ) l ON true
    LEFT JOIN LATERAL (
        SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(paid_amount), 0) AS paid
        FROM invoices i WHERE i.order_id = a.order_id
    ) inv ON true
)
INSERT INTO orders AS o (
    order_id, customer_po, customer_id, customer_name, customer_tier, channel, warehouse, region,
    currency, requested_at, promised_at, placed_at, last_event_at, erp_last_heard_at,
    wms_last_heard_at, carrier_last_heard_at, finance_last_heard_at, milestone_count,
    value, stage, status, is_partial, credit_hold, updated_at)
SELECT x.order_id,
       x.attrs->>'customer_po', x.attrs->>'customer_id', x.attrs->>'customer_name',
       x.attrs->>'customer_tier', x.attrs->>'channel', x.attrs->>'warehouse', x.attrs->>'region',
       x.attrs->>'currency', (x.attrs->>'requested_at')::timestamptz,
       (x.attrs->>'promised_at')::timestamptz,
       x.placed_at, x.last_event_at, x.erp, x.wms, x.carrier, x.finance, x.n,
       x.value, x.stage,
       CASE WHEN x.cancelled THEN 'cancelled' WHEN x.stage = 'paid' THEN 'closed' ELSE 'open' END,
       x.partial, coalesce(x.credit_kind = 'credit_hold', false), now()
FROM x
ON CONFLICT (order_id) DO UPDATE SET
    customer_po = excluded.customer_po, customer_id = excluded.customer_id,
    customer_name = excluded.customer_name, customer_tier = excluded.customer_tier,
    channel = excluded.channel, warehouse = excluded.warehouse, region = excluded.region,
    currency = excluded.currency, requested_at = excluded.requested_at,
    promised_at = excluded.promised_at, placed_at = excluded.placed_at,
    last_event_at = excluded.last_event_at, erp_last_heard_at = excluded.erp_last_heard_at,
    wms_last_heard_at = excluded.wms_last_heard_at,
    carrier_last_heard_at = excluded.carrier_last_heard_at,
    finance_last_heard_at = excluded.finance_last_heard_at,
    milestone_count = excluded.milestone_count, value = excluded.value, stage = excluded.stage,
    status = excluded.status, is_partial = excluded.is_partial,
    credit_hold = excluded.credit_hold, updated_at = excluded.updated_at;

-- name: project_shipments
-- A shipment belongs to one order. When two orders' facts name the same shipment id (a
-- partner reusing a despatch id), the order with the earliest ship confirm (then the smallest
-- order id) owns it, whatever the arrival order: in one batch DISTINCT ON picks it, across
-- batches the WHERE of the upsert keeps the owner against a later claim.
INSERT INTO shipments AS s (
    shipment_id, order_id, warehouse, carrier, tracking_no, shipped_at, picked_up_at,
    promised_delivery_at, estimated_delivery_at, delivered_at, last_scan_at, last_scan_kind,
    failed_attempts, status, lines)
SELECT DISTINCT ON (g.shipment_id) g.shipment_id, g.order_id,
       coalesce(g.ship->>'warehouse', o.warehouse), g.ship->>'carrier', g.ship->>'tracking_no',
       g.shipped_at, g.picked_up_at, (g.ship->>'promised_delivery_at')::timestamptz,
       g.estimate, g.delivered_at, g.last_scan_at, g.last_scan_kind, g.failed,
       CASE WHEN g.delivered_at IS NOT NULL THEN 'delivered'
            WHEN g.last_scan_kind IS NOT NULL THEN g.last_scan_kind
            WHEN g.shipped_at IS NOT NULL THEN 'shipped' ELSE 'packed' END,
       coalesce(g.ship->'lines', g.pack->'lines', '[]'::jsonb)
FROM (
    SELECT m.order_id, m.shipment_id,
           (array_agg(m.attrs ORDER BY m.occurred_at DESC, m.source_event_id DESC)
                FILTER (WHERE m.kind = 'shipped'))[1] AS ship,
           (array_agg(m.attrs ORDER BY m.occurred_at DESC, m.source_event_id DESC)
                FILTER (WHERE m.kind = 'packed'))[1] AS pack,
           min(m.occurred_at) FILTER (WHERE m.kind = 'shipped') AS shipped_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'carrier_pickup') AS picked_up_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'delivered') AS delivered_at,
           (array_agg((m.attrs->>'estimated_delivery_at')::timestamptz
                      ORDER BY m.occurred_at DESC, m.source_event_id DESC)
                FILTER (WHERE m.attrs ? 'estimated_delivery_at'))[1] AS estimate,
           max(m.occurred_at) FILTER (WHERE m.source = 'carrier') AS last_scan_at,
           (array_agg(m.kind ORDER BY m.occurred_at DESC, m.kind DESC, m.source_event_id DESC)
                FILTER (WHERE m.source = 'carrier'))[1] AS last_scan_kind,
           count(*) FILTER (WHERE m.kind = 'delivery_failed')::integer AS failed
    FROM _tm m
    WHERE m.shipment_id IS NOT NULL
      AND m.kind IN ('packed', 'shipped', 'carrier_pickup', 'in_transit', 'delayed',
                     'out_for_delivery', 'delivery_failed', 'delivered')
      -- and the header's warehouse, which a shipment without its own falls back on
      AND m.order_id IN (SELECT order_id FROM _touched
                         WHERE kinds IS NULL OR kinds && ARRAY['placed', 'amended', 'packed',
                               'shipped', 'carrier_pickup', 'in_transit', 'delayed',
                               'out_for_delivery', 'delivery_failed', 'delivered'])
    GROUP BY m.order_id, m.shipment_id
) g
JOIN orders o ON o.order_id = g.order_id
ORDER BY g.shipment_id, coalesce(g.shipped_at, 'infinity'), g.order_id
ON CONFLICT (shipment_id) DO UPDATE SET
    order_id = excluded.order_id, warehouse = excluded.warehouse, carrier = excluded.carrier,
    tracking_no = excluded.tracking_no, shipped_at = excluded.shipped_at,
    picked_up_at = excluded.picked_up_at, promised_delivery_at = excluded.promised_delivery_at,
    estimated_delivery_at = excluded.estimated_delivery_at, delivered_at = excluded.delivered_at,
    last_scan_at = excluded.last_scan_at, last_scan_kind = excluded.last_scan_kind,
    failed_attempts = excluded.failed_attempts, status = excluded.status, lines = excluded.lines
WHERE (s.order_id = excluded.order_id
       OR (coalesce(excluded.shipped_at, 'infinity'), excluded.order_id)
          < (coalesce(s.shipped_at, 'infinity'), s.order_id))
  AND (s.order_id, s.warehouse, s.carrier, s.tracking_no, s.shipped_at, s.picked_up_at,
       s.promised_delivery_at, s.estimated_delivery_at, s.delivered_at, s.last_scan_at,
       s.last_scan_kind, s.failed_attempts, s.status, s.lines)
      IS DISTINCT FROM
      (excluded.order_id, excluded.warehouse, excluded.carrier, excluded.tracking_no,
       excluded.shipped_at, excluded.picked_up_at, excluded.promised_delivery_at,
       excluded.estimated_delivery_at, excluded.delivered_at, excluded.last_scan_at,
       excluded.last_scan_kind, excluded.failed_attempts, excluded.status, excluded.lines);

-- name: project_invoices
INSERT INTO invoices AS i (
    invoice_id, invoice_no, order_id, shipment_id, issued_at, due_at, amount, paid_amount,
    currency, status, lines)
SELECT g.invoice_id, coalesce(g.inv->>'invoice_no', g.invoice_id), g.order_id,
       coalesce(g.inv->>'shipment_id', g.shipment_id), g.issued_at,
       (g.inv->>'due_at')::timestamptz, coalesce((g.inv->>'amount')::numeric, 0), g.paid,
       g.inv->>'currency',
       CASE WHEN g.paid >= coalesce((g.inv->>'amount')::numeric, 0) AND g.paid > 0 THEN 'paid'
            WHEN g.paid > 0 THEN 'partially_paid' ELSE 'open' END,
       coalesce(g.inv->'lines', '[]'::jsonb)
FROM (
    SELECT m.order_id, m.invoice_id,
           (array_agg(m.attrs ORDER BY m.occurred_at DESC, m.source_event_id DESC)
                FILTER (WHERE m.kind = 'invoiced'))[1] AS inv,
           (array_agg(m.shipment_id) FILTER (WHERE m.kind = 'invoiced' AND m.shipment_id IS NOT NULL))[1] AS shipment_id,
           min(m.occurred_at) FILTER (WHERE m.kind = 'invoiced') AS issued_at,
           coalesce(sum((m.attrs->>'amount')::numeric) FILTER (WHERE m.kind = 'paid'), 0) AS paid
    FROM _tm m
    WHERE m.invoice_id IS NOT NULL AND m.kind IN ('invoiced', 'paid')
      AND m.order_id IN (SELECT order_id FROM _touched
                         WHERE kinds IS NULL OR kinds && ARRAY['invoiced', 'paid'])
    GROUP BY m.order_id, m.invoice_id
) g
ON CONFLICT (invoice_id) DO UPDATE SET
    invoice_no = excluded.invoice_no, order_id = excluded.order_id,
    shipment_id = excluded.shipment_id, issued_at = excluded.issued_at, due_at = excluded.due_at,
    amount = excluded.amount, paid_amount = excluded.paid_amount, currency = excluded.currency,
    status = excluded.status, lines = excluded.lines
WHERE (i.invoice_no, i.order_id, i.shipment_id, i.issued_at, i.due_at, i.amount, i.paid_amount,
       i.currency, i.status, i.lines)
      IS DISTINCT FROM
      (excluded.invoice_no, excluded.order_id, excluded.shipment_id, excluded.issued_at,
       excluded.due_at, excluded.amount, excluded.paid_amount, excluded.currency,
       excluded.status, excluded.lines);

-- name: project_payments
INSERT INTO payments AS p (payment_id, order_id, invoice_id, paid_at, amount, method)
SELECT DISTINCT ON (coalesce(m.payment_id, m.source_event_id))
       coalesce(m.payment_id, m.source_event_id), m.order_id, m.invoice_id, m.occurred_at,
       coalesce((m.attrs->>'amount')::numeric, 0), m.attrs->>'method'
FROM _tm m
WHERE m.kind = 'paid'
  AND m.order_id IN (SELECT order_id FROM _touched WHERE kinds IS NULL OR kinds && ARRAY['paid'])
ORDER BY coalesce(m.payment_id, m.source_event_id), m.occurred_at DESC, m.source_event_id DESC
ON CONFLICT (payment_id) DO UPDATE SET
    order_id = excluded.order_id, invoice_id = excluded.invoice_id, paid_at = excluded.paid_at,
    amount = excluded.amount, method = excluded.method
WHERE (p.order_id, p.invoice_id, p.paid_at, p.amount, p.method)
      IS DISTINCT FROM
      (excluded.order_id, excluded.invoice_id, excluded.paid_at, excluded.amount, excluded.method);

-- name: project_returns
INSERT INTO returns AS r (
    return_id, order_id, requested_at, received_at, credited_at, qty_requested, qty_received,
    credit_amount, status, reason)
SELECT g.return_id, g.order_id, g.requested_at, g.received_at, g.credited_at,
       g.qty_requested, g.qty_received, g.credit_amount,
       CASE WHEN g.credited_at IS NOT NULL THEN 'credited'
            WHEN g.received_at IS NOT NULL THEN 'received' ELSE 'requested' END,
       g.reason
FROM (
    SELECT m.order_id, m.return_id,
           min(m.occurred_at) FILTER (WHERE m.kind = 'return_requested') AS requested_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'return_received') AS received_at,
           min(m.occurred_at) FILTER (WHERE m.kind = 'credited') AS credited_at,
           coalesce(sum(q.qty) FILTER (WHERE m.kind = 'return_requested'), 0) AS qty_requested,
           coalesce(sum(q.qty) FILTER (WHERE m.kind = 'return_received'), 0) AS qty_received,
           coalesce(sum((m.attrs->>'amount')::numeric) FILTER (WHERE m.kind = 'credited'), 0) AS credit_amount,
           (array_agg(m.attrs->>'reason') FILTER (WHERE m.attrs ? 'reason'))[1] AS reason
    FROM _tm m
    LEFT JOIN LATERAL (
        SELECT sum((l->>'qty')::numeric) AS qty
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.attrs->'lines') = 'array'
                                       THEN m.attrs->'lines' ELSE '[]'::jsonb END) l
    ) q ON true
    WHERE m.return_id IS NOT NULL AND m.kind IN ('return_requested', 'return_received', 'credited')
      AND m.order_id IN (SELECT order_id FROM _touched
                         WHERE kinds IS NULL OR kinds && ARRAY['return_requested',
                               'return_received', 'credited'])
    GROUP BY m.order_id, m.return_id
) g
ON CONFLICT (return_id) DO UPDATE SET
    order_id = excluded.order_id, requested_at = excluded.requested_at,
    received_at = excluded.received_at, credited_at = excluded.credited_at,
    qty_requested = excluded.qty_requested, qty_received = excluded.qty_received,
    credit_amount = excluded.credit_amount, status = excluded.status, reason = excluded.reason
WHERE (r.order_id, r.requested_at, r.received_at, r.credited_at, r.qty_requested, r.qty_received,
       r.credit_amount, r.status, r.reason)
      IS DISTINCT FROM
      (excluded.order_id, excluded.requested_at, excluded.received_at, excluded.credited_at,
       excluded.qty_requested, excluded.qty_received, excluded.credit_amount, excluded.status,
       excluded.reason);
