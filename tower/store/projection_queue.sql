-- The queue of orders whose projections wait (migration 0027; tower.store.projection_queue).

-- name: drain_lock
-- One drain at a time (the others wait here for this chunk's commit): a drain deletes every row
-- of the orders it takes, and two doing so at once would wait on each other's rows.
-- The rows are deleted in the drain's transaction: a failure puts them back. Held to the commit.
SELECT pg_advisory_xact_lock(hashtextextended('projection_queue drain', 7201117));

-- name: take
-- (after drain_lock) The orders of the oldest :limit rows up to :upto, with all their rows up to
-- :upto, into this session's _touched, every projection to be recomputed (kinds NULL).
WITH picked AS (
    SELECT DISTINCT order_id
    FROM (SELECT order_id FROM projection_queue WHERE queue_id <= :upto ORDER BY queue_id LIMIT :limit) oldest
), taken AS (
    DELETE FROM projection_queue q USING picked p
    WHERE q.order_id = p.order_id AND q.queue_id <= :upto
    RETURNING q.order_id
)
INSERT INTO _touched (order_id)
SELECT DISTINCT order_id FROM taken;

-- name: head
-- The newest queued row: a drain goes up to it, so rows queued while it runs wait for the next.
SELECT max(queue_id) FROM projection_queue;

-- name: depth
-- Queued orders (an order queued by several pages counts once) and when the oldest row was queued.
SELECT count(DISTINCT order_id), min(queued_at) FROM projection_queue;
