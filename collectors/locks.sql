-- name: try_lock
SELECT pg_try_advisory_lock(:ns, :key)

-- name: unlock
SELECT pg_advisory_unlock(:ns, :key)
