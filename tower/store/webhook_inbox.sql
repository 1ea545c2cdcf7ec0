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

-- name: insert_many
-- The web process's group commit (tower/hooks_writer.py): many events in one statement, in
-- arrival order (inbox ids follow it); returns the keys that were new. A key given twice in
-- one batch is inserted once (DO NOTHING skips the second row).
INSERT INTO webhook_inbox (provider, event_id, received_at, body)
SELECT p, e, t, b
FROM unnest(CAST(:providers AS text[]), CAST(:event_ids AS text[]), CAST(:times AS timestamptz[]),
            CAST(:bodies AS text[])) WITH ORDINALITY AS x (p, e, t, b, n)
ORDER BY n
ON CONFLICT (provider, event_id) DO NOTHING
RETURNING provider, event_id
