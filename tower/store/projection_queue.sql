-- The queue of orders whose projections wait (migration 0027; tower.store.projection_queue).

-- name: take
-- Up to :limit queued rows up to :upto, oldest first, into this session's _touched (merged by
-- order: an order queued by several pages is projected once, for the union of their kinds;
-- NULL kinds means every projection). SKIP LOCKED: a row another drain has taken is its.
-- The rows are deleted in the drain's transaction: if the projection fails they come back.
WITH taken AS (
    DELETE FROM projection_queue
    WHERE queue_id IN (SELECT queue_id FROM projection_queue WHERE queue_id <= :upto
                       ORDER BY queue_id LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING order_id, kinds
)
INSERT INTO _touched (order_id, kinds)
SELECT t.order_id,
       CASE WHEN bool_or(t.kinds IS NULL) THEN NULL
            ELSE array_agg(DISTINCT k.kind) FILTER (WHERE k.kind IS NOT NULL) END
FROM taken t
LEFT JOIN LATERAL unnest(t.kinds) AS k (kind) ON true
GROUP BY t.order_id;

-- name: head
-- The newest queued row: a drain goes up to it, so rows queued while it runs wait for the next.
SELECT max(queue_id) FROM projection_queue;

-- name: depth
-- Queued orders (distinct: an order queued by several pages counts once) and the oldest row's age.
SELECT count(DISTINCT order_id), min(queued_at) FROM projection_queue;
