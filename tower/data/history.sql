-- Headline figures of imported history, read from the projections (orders, shipments,
-- invoices, payments) and the shipped milestones (freight). :prefix selects a dataset's orders
-- by id ('NW-%', 'SCMS-%', ...); :start / :end (nullable) select by placed time; :warehouses
-- (NULL = every warehouse) is the reader's scope.

-- name: orders
SELECT o.order_id, o.status, o.stage, o.value, o.placed_at, o.promised_at,
       s.last_shipped_at, s.last_delivered_at, s.shipments
FROM orders o
LEFT JOIN LATERAL (
    SELECT max(shipped_at) AS last_shipped_at, max(delivered_at) AS last_delivered_at,
           count(*) AS shipments
    FROM shipments s WHERE s.order_id = o.order_id
) s ON true
WHERE o.order_id LIKE :prefix
  AND (CAST(:start AS timestamptz) IS NULL OR o.placed_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR o.placed_at < :end)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))

-- name: money
SELECT
    (SELECT coalesce(sum((m.attrs->>'freight')::numeric), 0) FROM milestones m
     JOIN orders o ON o.order_id = m.order_id
     WHERE m.kind = 'shipped' AND jsonb_typeof(m.attrs->'freight') = 'number' AND o.order_id LIKE :prefix
       AND (CAST(:start AS timestamptz) IS NULL OR o.placed_at >= :start)
       AND (CAST(:end AS timestamptz) IS NULL OR o.placed_at < :end)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))) AS freight,
    (SELECT coalesce(sum(i.amount), 0) FROM invoices i JOIN orders o ON o.order_id = i.order_id
     WHERE o.order_id LIKE :prefix
       AND (CAST(:start AS timestamptz) IS NULL OR o.placed_at >= :start)
       AND (CAST(:end AS timestamptz) IS NULL OR o.placed_at < :end)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))) AS invoiced,
    (SELECT count(*) FROM invoices i JOIN orders o ON o.order_id = i.order_id
     WHERE o.order_id LIKE :prefix
       AND (CAST(:start AS timestamptz) IS NULL OR o.placed_at >= :start)
       AND (CAST(:end AS timestamptz) IS NULL OR o.placed_at < :end)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))) AS invoices,
    (SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN orders o ON o.order_id = p.order_id
     WHERE o.order_id LIKE :prefix
       AND (CAST(:start AS timestamptz) IS NULL OR o.placed_at >= :start)
       AND (CAST(:end AS timestamptz) IS NULL OR o.placed_at < :end)
       AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))) AS paid
