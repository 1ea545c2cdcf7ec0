-- Anomalous invoice discrepancies: each invoice of a live order against what it should bill —
-- per invoice line, the quantity its shipment carried (or the line's shipped quantity when the
-- invoice names no shipment) at the order line's price — and its header total against its own
-- lines. Set-based over every invoice issued since :since.

-- name: register_method
-- The check as a versioned "model" row (flags name their model version): no training, its
-- parameters the scale and noise it scores with.
INSERT INTO risk_models (version, kind, trained_at, window_from, window_to, split_at, features, params,
                         backtest, status, status_reason, promoted_at)
VALUES (:version, :kind, :now, :now, :now, :now, CAST(:features AS jsonb), CAST(:params AS jsonb), '{}'::jsonb,
        'in_service', 'a fixed method, not trained', :now)
ON CONFLICT (version) DO NOTHING

-- name: discrepancies
WITH inv AS (
    SELECT i.invoice_id, coalesce(i.invoice_no, i.invoice_id) AS invoice_no, i.order_id, i.shipment_id,
           i.amount, i.lines, s.lines AS shipped_lines
    FROM invoices i
    JOIN orders o ON o.order_id = i.order_id
    LEFT JOIN shipments s ON s.shipment_id = i.shipment_id
    WHERE o.status <> 'cancelled' AND i.issued_at >= :since AND i.issued_at <= :now
), billed AS (
    SELECT inv.invoice_id, (x ->> 'line_no')::int AS line_no,
           coalesce((x ->> 'qty')::numeric, 0) AS qty, (x ->> 'unit_price')::numeric AS unit_price,
           coalesce((x ->> 'amount')::numeric, coalesce((x ->> 'qty')::numeric, 0) * (x ->> 'unit_price')::numeric, 0) AS amount
    FROM inv CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(inv.lines) = 'array' THEN inv.lines
                                                          ELSE '[]'::jsonb END) x
    WHERE x ->> 'line_no' IS NOT NULL
), compared AS (
    SELECT b.invoice_id, b.line_no, b.qty, b.unit_price, b.amount, ol.unit_price AS ordered_price,
           CASE WHEN inv.shipment_id IS NOT NULL AND inv.shipped_lines IS NOT NULL THEN
                    (SELECT coalesce(sum((y ->> 'qty')::numeric), 0)
                     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(inv.shipped_lines) = 'array'
                                                    THEN inv.shipped_lines ELSE '[]'::jsonb END) y
                     WHERE (y ->> 'line_no')::int = b.line_no)
                ELSE ol.qty_shipped END AS shipped
    FROM billed b
    JOIN inv ON inv.invoice_id = b.invoice_id
    LEFT JOIN order_lines ol ON ol.order_id = inv.order_id AND ol.line_no = b.line_no
), per_invoice AS (
    SELECT c.invoice_id,
           sum(coalesce(c.shipped, 0) * coalesce(c.ordered_price, c.unit_price, 0)) AS expected,
           sum(c.amount) AS lines_total,
           sum(abs(c.qty - coalesce(c.shipped, 0)) * coalesce(c.ordered_price, c.unit_price, 0)) AS qty_gap,
           sum(CASE WHEN c.ordered_price IS NULL OR c.unit_price IS NULL THEN 0
                    ELSE abs(c.unit_price - c.ordered_price) * c.qty END) AS price_gap,
           jsonb_agg(jsonb_build_object('line_no', c.line_no, 'qty', c.qty, 'shipped', c.shipped,
                                        'unit_price', c.unit_price, 'ordered_price', c.ordered_price)
                     ORDER BY c.line_no)
               FILTER (WHERE c.qty <> coalesce(c.shipped, 0)
                          OR (c.ordered_price IS NOT NULL AND c.unit_price IS NOT NULL
                              AND abs(c.unit_price - c.ordered_price) >= 0.005)) AS lines
    FROM compared c GROUP BY c.invoice_id
)
SELECT inv.order_id, inv.invoice_id, inv.invoice_no, inv.amount::float8 AS amount,
       p.expected::float8 AS expected, p.lines_total::float8 AS lines_total,
       p.qty_gap::float8 AS qty_gap, p.price_gap::float8 AS price_gap,
       abs(inv.amount - p.lines_total)::float8 AS total_gap, coalesce(p.lines, '[]'::jsonb) AS lines
FROM per_invoice p JOIN inv ON inv.invoice_id = p.invoice_id
WHERE p.qty_gap + p.price_gap + abs(inv.amount - p.lines_total) > :noise

-- name: expire_absent
-- Open flags of this kind whose order no longer shows a discrepancy (corrected, credited,
-- cancelled or gone) expire, and the exception they raised is resolved.
WITH gone AS (
    SELECT f.flag_id, f.exception_id, f.model_version FROM risk_flags f
    LEFT JOIN orders o ON o.order_id = f.order_id
    WHERE f.kind = :kind AND f.status = 'open'
      AND (o.order_id IS NULL OR o.status = 'cancelled' OR NOT f.order_id = ANY(CAST(:order_ids AS text[])))
    FOR UPDATE OF f
), upd AS (
    UPDATE risk_flags f SET status = 'expired' FROM gone WHERE f.flag_id = gone.flag_id
    RETURNING f.flag_id, f.model_version
), ex AS (
    UPDATE exceptions e SET status = 'resolved', resolved_at = :now, resolution = 'auto: discrepancy gone',
                            updated_at = :now
    FROM gone WHERE e.exception_id = gone.exception_id AND e.status <> 'resolved'
    RETURNING e.exception_id, gone.model_version
), ex_audit AS (
    INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                                  detail, policy_version)
    SELECT exception_id, :now, 'model:' || model_version, 'resolved', NULL, 'resolved',
           'discrepancy gone', '{"auto": true}'::jsonb, :policy_version
    FROM ex
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, detail, model_version, policy_version)
SELECT flag_id, :now, 'model:' || model_version, 'expired', 'the invoice no longer differs',
       '{}'::jsonb, model_version, :policy_version
FROM upd
