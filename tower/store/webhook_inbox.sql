-- name: insert
INSERT INTO webhook_inbox (provider, event_id, received_at, body)
VALUES (:provider, :event_id, :now, :body)
ON CONFLICT (provider, event_id) DO NOTHING
RETURNING inbox_id

-- name: take_new
SELECT inbox_id, provider, event_id, body
FROM webhook_inbox
WHERE status = 'new'
ORDER BY inbox_id
LIMIT :limit
FOR UPDATE SKIP LOCKED

-- name: mark
UPDATE webhook_inbox SET status = :status, processed_at = :now, error = :error
WHERE inbox_id = ANY(:ids)

-- name: counts
SELECT status, count(*) AS n FROM webhook_inbox GROUP BY status
