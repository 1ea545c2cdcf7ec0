-- The store as OCEL: milestones are the events; each order's milestones also give its objects.
-- :start / :end (nullable) keep the milestones of a period, [start, end).

-- name: events
SELECT order_id, source, source_event_id, kind, occurred_at, line_no, shipment_id, invoice_id,
       payment_id, return_id, attrs
FROM milestones
WHERE (CAST(:start AS timestamptz) IS NULL OR occurred_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR occurred_at < :end)
ORDER BY occurred_at, order_id, source, source_event_id

-- name: by_order
SELECT order_id, source, source_event_id, kind, occurred_at, line_no, shipment_id, invoice_id,
       payment_id, return_id, attrs
FROM milestones
WHERE (CAST(:start AS timestamptz) IS NULL OR occurred_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR occurred_at < :end)
ORDER BY order_id, occurred_at, source, source_event_id

-- name: customers
SELECT attrs->>'customer_id' AS id, occurred_at, attrs->>'customer_name' AS name,
       attrs->>'customer_tier' AS tier
FROM milestones
WHERE kind IN ('placed', 'amended') AND coalesce(attrs->>'customer_id', '') <> ''
  AND (CAST(:start AS timestamptz) IS NULL OR occurred_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR occurred_at < :end)
ORDER BY 1, occurred_at, source, source_event_id

-- name: warehouses
SELECT DISTINCT attrs->>'warehouse' AS id
FROM milestones
WHERE coalesce(attrs->>'warehouse', '') <> ''
  AND (CAST(:start AS timestamptz) IS NULL OR occurred_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR occurred_at < :end)
ORDER BY 1
