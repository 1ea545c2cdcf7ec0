-- name: insert
INSERT INTO api_tokens (username, label, scopes, token_hash, created_at, created_by, expires_at)
VALUES (:username, :label, CAST(:scopes AS text[]), :token_hash, :now, :created_by, :expires_at)
RETURNING token_id;

-- name: by_hash
SELECT t.token_id, t.username, t.scopes, t.expires_at, t.revoked_at, t.last_used_at,
       u.role, u.warehouses, u.active
FROM api_tokens t JOIN users u ON u.username = t.username
WHERE t.token_hash = :token_hash;

-- name: list_all
SELECT token_id, username, label, scopes, created_at, created_by, expires_at, revoked_at, revoked_by,
       last_used_at
FROM api_tokens
ORDER BY token_id;

-- name: revoke
UPDATE api_tokens SET revoked_at = :now, revoked_by = :by
WHERE token_id = :token_id AND revoked_at IS NULL;

-- name: touch
-- Throttled: at most one write per token per minute, whatever the request rate.
UPDATE api_tokens SET last_used_at = :now
WHERE token_id = :token_id AND (last_used_at IS NULL OR last_used_at < :now - INTERVAL '1 minute');
