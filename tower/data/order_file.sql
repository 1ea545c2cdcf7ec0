-- name: whole
-- Everything about one order in one statement (one round trip): the header row, and each part
-- as a JSON array of rows in its page order. Every part reads by the order's own indexes; the
-- scope is checked once, on the header (no header row: nothing at all comes back).
-- lines.qty_paid: what finance's payments cover, line by line: each invoice line's quantity
-- times the share of that invoice paid so far (capped at all of it).
-- exceptions: the order's own and the integration incidents it is caught in (two indexed
-- look-ups joined by UNION; an OR across the two would scan every exception), unresolved
-- first; an incident (no order of its own) spans warehouses, so a limited scope sees only the
-- order's own.
WITH h AS (
    SELECT o.order_id, o.customer_po, o.customer_id, o.customer_name, o.customer_tier, o.channel,
           o.warehouse, o.region, o.currency, o.requested_at, o.promised_at, o.value, o.placed_at,
           o.stage, o.status, o.is_partial, o.credit_hold, o.waiting_on, o.owner_team,
           t.name AS owner_team_name, t.lead_name AS owner_lead, o.due_at, o.sla_state, o.reason,
           o.policy_version, o.reason_facts, o.evaluated_at, o.at_risk_at, o.held_on, o.last_event_at,
           o.erp_last_heard_at, o.wms_last_heard_at, o.carrier_last_heard_at,
           o.finance_last_heard_at, o.milestone_count
    FROM orders o
    LEFT JOIN teams t ON t.team_id = o.owner_team
    WHERE o.order_id = :order_id AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
)
SELECT h.*,
    (SELECT coalesce(json_agg(m ORDER BY m.occurred_at, m.source_event_id), '[]')
     FROM (SELECT occurred_at, recorded_at, kind, source, source_event_id, line_no, shipment_id,
                  invoice_id, payment_id, return_id, attrs
           FROM milestones WHERE order_id = h.order_id) m) AS timeline_rows,
    (SELECT coalesce(json_agg(l ORDER BY l.line_no), '[]')
     FROM (SELECT ol.line_no, ol.sku, ol.description, ol.qty_ordered, ol.qty_allocated, ol.qty_short,
                  ol.qty_picked, ol.qty_shipped, ol.qty_delivered, ol.qty_invoiced,
                  coalesce(p.qty_paid, 0) AS qty_paid, ol.qty_returned, ol.qty_credited, ol.unit_price,
                  ol.qty_ordered * coalesce(ol.unit_price, 0) AS line_value, ol.stage, ol.waiting_on
           FROM order_lines ol
           LEFT JOIN LATERAL (
               SELECT sum((il->>'qty')::numeric
                          * least(1, CASE WHEN i.amount > 0 THEN i.paid_amount / i.amount ELSE 0 END)) AS qty_paid
               FROM invoices i
               CROSS JOIN LATERAL jsonb_array_elements(i.lines) il
               WHERE i.order_id = ol.order_id AND (il->>'line_no')::integer = ol.line_no
           ) p ON true
           WHERE ol.order_id = h.order_id) l) AS line_rows,
    (SELECT coalesce(json_agg(s ORDER BY s.shipped_at NULLS LAST, s.shipment_id), '[]')
     FROM (SELECT shipment_id, warehouse, carrier, tracking_no, status, shipped_at, picked_up_at,
                  promised_delivery_at, estimated_delivery_at, delivered_at, last_scan_at,
                  last_scan_kind, failed_attempts
           FROM shipments WHERE order_id = h.order_id) s) AS shipment_rows,
    (SELECT coalesce(json_agg(i ORDER BY i.issued_at NULLS LAST, i.invoice_id), '[]')
     FROM (SELECT invoice_id, invoice_no, shipment_id, issued_at, due_at, amount, paid_amount,
                  amount - paid_amount AS open_amount, currency, status
           FROM invoices WHERE order_id = h.order_id) i) AS invoice_rows,
    (SELECT coalesce(json_agg(p ORDER BY p.paid_at NULLS LAST, p.payment_id), '[]')
     FROM (SELECT payment_id, invoice_id, paid_at, amount, method
           FROM payments WHERE order_id = h.order_id) p) AS payment_rows,
    (SELECT coalesce(json_agg(r ORDER BY r.requested_at NULLS LAST, r.return_id), '[]')
     FROM (SELECT return_id, requested_at, received_at, credited_at, qty_requested, qty_received,
                  credit_amount, status, reason
           FROM returns WHERE order_id = h.order_id) r) AS return_rows,
    (SELECT coalesce(json_agg(x ORDER BY x.resolved_last, x.priority DESC, x.opened_at DESC), '[]')
     FROM (SELECT e.exception_id, e.kind, e.severity, e.status, e.team_id, t.name AS team_name,
                  e.assignee, e.title, e.opened_at, e.condition_since, e.due_at, e.resolved_at, e.resolution,
                  (e.order_id IS NULL) AS is_incident, e.detail, e.policy_version, e.origin,
                  e.snoozed_until, e.escalation_tier, (e.status = 'resolved') AS resolved_last, e.priority
           FROM (SELECT exception_id FROM exceptions WHERE order_id = h.order_id
                 UNION
                 SELECT exception_id FROM incident_orders WHERE order_id = h.order_id) ids
           JOIN exceptions e ON e.exception_id = ids.exception_id
           LEFT JOIN teams t ON t.team_id = e.team_id
           WHERE CAST(:warehouses AS text[]) IS NULL OR e.order_id IS NOT NULL
           ORDER BY (e.status = 'resolved'), e.priority DESC, e.opened_at DESC
           LIMIT 50) x) AS exception_rows
FROM h;
