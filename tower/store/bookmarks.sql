-- name: get
SELECT value FROM bookmarks WHERE source = :source AND stream = :stream

-- name: put
INSERT INTO bookmarks (source, stream, value, updated_at)
VALUES (:source, :stream, CAST(:value AS jsonb), :now)
ON CONFLICT (source, stream) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at

-- name: all_bookmarks
SELECT source, stream, value, updated_at FROM bookmarks ORDER BY source, stream
