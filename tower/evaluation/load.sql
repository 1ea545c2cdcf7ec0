-- Facts for a batch of orders: one set-based query per table, keyed by order id.

-- name: orders
-- evaluated_at and the stale sources of the previous evaluation tell whether facts about the
-- past may have arrived since (tower.rules.history.facts_about_the_past).
SELECT order_id, status, stage, warehouse, region, customer_tier, value, placed_at, promised_at,
       credit_hold, is_partial, currency, evaluated_at,
       reason_facts -> 'stale_sources' AS stale_before
FROM orders WHERE order_id = ANY(:ids);

-- name: lines
SELECT order_id, line_no, sku, qty_ordered, qty_allocated, qty_short, qty_picked, qty_packed,
       qty_shipped, qty_delivered, qty_invoiced, qty_returned, qty_credited, unit_price, list_price
FROM order_lines WHERE order_id = ANY(:ids);

-- name: shipments
SELECT order_id, shipment_id, carrier, tracking_no, shipped_at, picked_up_at,
       promised_delivery_at, estimated_delivery_at, delivered_at, last_scan_at, last_scan_kind,
       failed_attempts, status, lines
FROM shipments WHERE order_id = ANY(:ids);

-- name: invoices
SELECT order_id, invoice_id, invoice_no, shipment_id, issued_at, due_at, amount, paid_amount,
       currency, status, lines
FROM invoices WHERE order_id = ANY(:ids);

-- name: returns
SELECT order_id, return_id, requested_at, received_at, credited_at, qty_requested, qty_received,
       credit_amount, status, reason
FROM returns WHERE order_id = ANY(:ids);

-- name: milestones
-- attrs only where a rule reads them: parsing every event's JSON would dominate the batch.
SELECT order_id, kind, source, source_event_id, occurred_at, recorded_at, line_no, shipment_id,
       invoice_id, return_id,
       CASE WHEN kind IN ('credit_hold', 'atp_short', 'delivery_failed', 'cancelled')
            THEN attrs END AS attrs,
       -- For the data-quality rules: a stamped time proves nothing about order; the channel
       -- names where a contradicting fact came from.
       attrs->>'time_known' = 'false' AS time_unknown, attrs->>'via' AS via,
       coalesce(attrs->>'partner', attrs->>'provider') AS via_from
FROM milestones WHERE order_id = ANY(:ids);
