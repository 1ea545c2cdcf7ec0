-- name: create
INSERT INTO sessions (id_hash, username, created_at, last_seen_at, expires_at, user_agent, address)
VALUES (:id_hash, :username, :now, :now, :expires_at, :user_agent, :address);

-- name: load
SELECT s.last_seen_at, u.username, u.display_name, u.role, u.warehouses, u.time_zone
FROM sessions s
JOIN users u ON u.username = s.username
WHERE s.id_hash = :id_hash
  AND s.revoked_at IS NULL
  AND s.expires_at > :now
  AND s.last_seen_at > :idle_since
  AND u.active;

-- name: touch
UPDATE sessions SET last_seen_at = :now
WHERE id_hash = :id_hash AND last_seen_at < :now;

-- name: revoke
UPDATE sessions SET revoked_at = :now, revoked_why = :why
WHERE id_hash = :id_hash AND revoked_at IS NULL;

-- name: revoke_user
UPDATE sessions SET revoked_at = :now, revoked_why = :why
WHERE username = :username AND revoked_at IS NULL AND expires_at > :now;

-- name: forget_old
DELETE FROM sessions WHERE expires_at < :before;
