-- name: claim
-- Oldest marks first; SKIP LOCKED lets several workers share the queue without waiting.
SELECT order_id FROM dirty_orders
ORDER BY marked_at
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: clear
DELETE FROM dirty_orders WHERE order_id = ANY(:ids);

-- name: mark_all_open
-- After a policy change: every open order is judged again under the new version.
INSERT INTO dirty_orders (order_id, marked_at)
SELECT order_id, :now FROM orders WHERE status = 'open'
ON CONFLICT (order_id) DO NOTHING;
