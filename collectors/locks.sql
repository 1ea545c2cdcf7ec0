-- name: try_lock
SELECT pg_try_advisory_lock(:ns, :key)

-- name: unlock
SELECT pg_advisory_unlock(:ns, :key)

-- name: holders
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND classid = CAST(:ns AS oid) AND objid = CAST(:key AS oid)
  AND objsubid = 2 AND granted
