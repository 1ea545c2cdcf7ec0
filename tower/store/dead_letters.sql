-- name: upsert
INSERT INTO dead_letters (source, stream, record_key, payload, reason, first_seen_at, last_seen_at)
VALUES (:source, :stream, :record_key, CAST(:payload AS jsonb), :reason, :now, :now)
ON CONFLICT (source, stream, record_key) DO UPDATE
SET payload = EXCLUDED.payload, reason = EXCLUDED.reason, last_seen_at = EXCLUDED.last_seen_at,
    status = CASE WHEN dead_letters.status = 'discarded' THEN 'discarded' ELSE 'open' END
RETURNING (xmax = 0) AS inserted

-- name: resolve_seen
UPDATE dead_letters SET status = 'replayed', last_seen_at = :now
WHERE source = :source AND stream = :stream AND status = 'open' AND record_key = ANY(:keys)

-- name: supersede
-- A later version of a mutable record mapped cleanly: it carries every fact of the older ones
-- (history and per-state times are kept inside the record), so older bad versions are done.
UPDATE dead_letters d
SET status = 'replayed', last_seen_at = :now,
    reason = d.reason || ' [superseded by a later version that mapped]'
FROM unnest(CAST(:entities AS text[]), CAST(:versions AS text[])) AS v(entity, version)
WHERE d.source = :source AND d.stream = :stream AND d.status = 'open'
  AND split_part(d.record_key, '|', 1) = v.entity
  AND split_part(d.record_key, '|', 2) <> ''
  AND split_part(d.record_key, '|', 2) < v.version

-- name: list
SELECT dead_letter_id, source, stream, record_key, reason, status, retry_count,
       first_seen_at, last_seen_at, payload
FROM dead_letters
WHERE (CAST(:source AS text) IS NULL OR source = :source)
  AND (CAST(:status AS text) IS NULL OR status = :status)
ORDER BY dead_letter_id
LIMIT :limit

-- name: counts
SELECT source, stream, status, count(*) AS n
FROM dead_letters GROUP BY source, stream, status ORDER BY source, stream, status

-- name: take_for_replay
SELECT dead_letter_id, source, stream, record_key, payload
FROM dead_letters
WHERE status = 'open'
  AND (CAST(:ids AS bigint[]) IS NULL OR dead_letter_id = ANY(:ids))
  AND (CAST(:source AS text) IS NULL OR source = :source)
  AND dead_letter_id > :after
ORDER BY dead_letter_id
LIMIT :limit
FOR UPDATE SKIP LOCKED

-- name: mark_replayed
UPDATE dead_letters SET status = 'replayed', last_seen_at = :now, replay_requested_at = NULL
WHERE dead_letter_id = :dead_letter_id

-- name: bump_retry
UPDATE dead_letters
SET retry_count = retry_count + 1, last_seen_at = :now, reason = :reason, replay_requested_at = NULL
WHERE dead_letter_id = :dead_letter_id

-- name: request_replay
UPDATE dead_letters SET replay_requested_at = :now, replay_requested_by = :by
WHERE status = 'open' AND dead_letter_id = ANY(:ids)

-- name: requested_replays
SELECT dead_letter_id FROM dead_letters
WHERE replay_requested_at IS NOT NULL AND status = 'open'
ORDER BY replay_requested_at, dead_letter_id
LIMIT :limit
