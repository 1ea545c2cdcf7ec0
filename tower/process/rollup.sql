-- Rollups of the flow facts (sql/migrations/0021_flow_daily_rollups.sql, 0023, 0025, 0028). What a
-- fact adds is defined once, by the views flow_transition_contributions and
-- flow_order_contributions; the statements below sum those rows into _flow_*_delta (signed: -1 for
-- the contributions an order is about to lose, +1 for the ones it has), then fold the deltas into
-- the day rows and the blocks of days over them. A transition row holds its durations as two
-- histograms (parallel arrays of buckets and counts, in no order), so the deltas, which count per
-- bucket, are turned into one row per transition, day and dimension before they are added.

-- name: create_transition_delta
-- Scratch tables for the session, emptied at every commit (created once: no catalog write per run).
CREATE TEMP TABLE IF NOT EXISTS _flow_transition_delta (
    object_type text, day date, warehouse text, channel text, tier text, carrier text,
    from_kind text, to_kind text, measure text, bucket integer, n integer, total_hours double precision
) ON COMMIT DELETE ROWS

-- name: create_transition_rows
-- The deltas as rows of flow_transition_days (counts that may be negative), to be added to it.
CREATE TEMP TABLE IF NOT EXISTS _flow_transition_rows (LIKE flow_transition_days) ON COMMIT DELETE ROWS

-- name: create_order_delta
CREATE TEMP TABLE IF NOT EXISTS _flow_order_delta (
    day date, warehouse text, channel text, tier text, carrier text, subject text, bucket integer, n bigint
) ON COMMIT DELETE ROWS

-- name: clear_transition_delta
DELETE FROM _flow_transition_delta

-- name: clear_transition_rows
DELETE FROM _flow_transition_rows

-- name: clear_order_delta
DELETE FROM _flow_order_delta

-- name: orders_transition_delta
-- The contributions of some orders' transitions, times :sign.
INSERT INTO _flow_transition_delta
SELECT object_type, day, warehouse, channel, tier, carrier, from_kind, to_kind, measure, bucket,
       CAST(:sign * count(*) AS integer), :sign * sum(hours)
FROM flow_transition_contributions
WHERE order_id = ANY(:order_ids) AND object_type = ANY(CAST(:object_types AS text[]))
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

-- name: orders_order_delta
INSERT INTO _flow_order_delta
SELECT day, warehouse, channel, tier, carrier, subject, bucket, :sign * count(*)
FROM flow_order_contributions
WHERE order_id = ANY(:order_ids)
GROUP BY 1, 2, 3, 4, 5, 6, 7

-- name: days_transition_delta
-- Every transition placed in the UTC days [:start, :end) (a full rebuild of those days).
INSERT INTO _flow_transition_delta
SELECT object_type, day, warehouse, channel, tier, carrier, from_kind, to_kind, measure, bucket,
       CAST(count(*) AS integer), sum(hours)
FROM flow_transition_contributions
WHERE object_type = ANY(CAST(:object_types AS text[])) AND placed_at >= :start AND placed_at < :end
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

-- name: days_order_delta
INSERT INTO _flow_order_delta
SELECT day, warehouse, channel, tier, carrier, subject, bucket, count(*)
FROM flow_order_contributions
WHERE placed_at >= :start AND placed_at < :end
GROUP BY 1, 2, 3, 4, 5, 6, 7

-- name: clear_transition_days
-- The rows of :span days starting in [:start_day, :end_day) (a rebuild of those days or blocks).
DELETE FROM flow_transition_days WHERE span_days = :span AND day >= :start_day AND day < :end_day

-- name: clear_order_days
DELETE FROM flow_order_days WHERE span_days = :span AND day >= :start_day AND day < :end_day

-- name: pivot_transition_delta
-- The deltas once per dimension kept ('*' = all) and per span in :spans (1 = the day itself, else
-- the block of that many days holding it), as one row per transition, day and dimension. Each
-- span is summed from the one below it (a block of 16 days is four of 4), so the millions of
-- bucket rows of a backfill are grouped a few times rather than once per span; contributions an
-- order lost and got back cancel out at every level (most orders of a minute keep most of their
-- transitions). Run with enable_sort off: the planner prices array_agg's state at 8 kB a group
-- and sorts the bucket rows by eight text columns (18 s for a backfill's 5.6M) where a hash
-- aggregate takes 4 s. Counts are integers until the last step: sum(bigint) is numeric arithmetic.
WITH d1 AS (   -- per dimension first: '*' merges the rows of every channel, tier and carrier
    SELECT d.object_type, x.dim, x.value, 1 AS span_days, d.day, d.warehouse, d.from_kind, d.to_kind,
           d.measure, d.bucket, CAST(sum(d.n) AS integer) AS n, sum(d.total_hours) AS total_hours
    FROM _flow_transition_delta d
    CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', d.channel), ('tier', d.tier), ('carrier', d.carrier)) AS x(dim, value)
    GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
    HAVING sum(d.n) <> 0 OR coalesce(sum(d.total_hours), 0) <> 0
), d4 AS (
    SELECT object_type, dim, value, 4 AS span_days, flow_block_start(day, 4) AS day, warehouse, from_kind, to_kind,
           measure, bucket, CAST(sum(n) AS integer) AS n, sum(total_hours) AS total_hours
    FROM d1 GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
    HAVING sum(n) <> 0 OR coalesce(sum(total_hours), 0) <> 0
), d16 AS (
    SELECT object_type, dim, value, 16 AS span_days, flow_block_start(day, 16) AS day, warehouse, from_kind, to_kind,
           measure, bucket, CAST(sum(n) AS integer) AS n, sum(total_hours) AS total_hours
    FROM d4 GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
    HAVING sum(n) <> 0 OR coalesce(sum(total_hours), 0) <> 0
), d64 AS (
    SELECT object_type, dim, value, 64 AS span_days, flow_block_start(day, 64) AS day, warehouse, from_kind, to_kind,
           measure, bucket, CAST(sum(n) AS integer) AS n, sum(total_hours) AS total_hours
    FROM d16 GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
    HAVING sum(n) <> 0 OR coalesce(sum(total_hours), 0) <> 0
), d256 AS (
    SELECT object_type, dim, value, 256 AS span_days, flow_block_start(day, 256) AS day, warehouse, from_kind, to_kind,
           measure, bucket, CAST(sum(n) AS integer) AS n, sum(total_hours) AS total_hours
    FROM d64 GROUP BY 1, 2, 3, 5, 6, 7, 8, 9, 10
    HAVING sum(n) <> 0 OR coalesce(sum(total_hours), 0) <> 0
), cells AS (   -- a span left out of :spans is never read (a block still sums the spans below it)
    SELECT * FROM d1 WHERE 1 = ANY(CAST(:spans AS integer[]))
    UNION ALL SELECT * FROM d4 WHERE 4 = ANY(CAST(:spans AS integer[]))
    UNION ALL SELECT * FROM d16 WHERE 16 = ANY(CAST(:spans AS integer[]))
    UNION ALL SELECT * FROM d64 WHERE 64 = ANY(CAST(:spans AS integer[]))
    UNION ALL SELECT * FROM d256 WHERE 256 = ANY(CAST(:spans AS integer[]))
)
INSERT INTO _flow_transition_rows
SELECT object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
       coalesce(sum(n) FILTER (WHERE measure = 'count'), 0),
       sum(total_hours) FILTER (WHERE measure = 'count'),
       -- both arrays of a histogram are aggregated over the same rows in the same order
       coalesce(array_agg(bucket) FILTER (WHERE measure = 'business'), '{}'),
       coalesce(array_agg(n) FILTER (WHERE measure = 'business'), '{}'),
       coalesce(array_agg(bucket) FILTER (WHERE measure = 'wall'), '{}'),
       coalesce(array_agg(n) FILTER (WHERE measure = 'wall'), '{}')
FROM cells
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8

-- name: fold_transition_rows
-- The pivoted deltas added to the stored rows: counts and sums added, histograms merged bucket by
-- bucket (a bucket whose count reaches zero leaves them). Rows left at n = 0 are removed next.
INSERT INTO flow_transition_days AS r
SELECT * FROM _flow_transition_rows
ORDER BY object_type, dim, value, span_days, day   -- stored in the order reads take them: one read's rows share pages
ON CONFLICT (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind)
DO UPDATE SET
    n = r.n + excluded.n,
    total_hours = CASE WHEN r.total_hours IS NULL THEN excluded.total_hours
                       WHEN excluded.total_hours IS NULL THEN r.total_hours
                       ELSE r.total_hours + excluded.total_hours END,
    (business_buckets, business_counts) = (
        SELECT coalesce(array_agg(bucket), '{}'), coalesce(array_agg(n), '{}')
        FROM (SELECT u.bucket, sum(u.n) AS n
              FROM unnest(r.business_buckets || excluded.business_buckets,
                          r.business_counts || excluded.business_counts) AS u(bucket, n)
              GROUP BY u.bucket HAVING sum(u.n) <> 0) merged),
    (wall_buckets, wall_counts) = (
        SELECT coalesce(array_agg(bucket), '{}'), coalesce(array_agg(n), '{}')
        FROM (SELECT u.bucket, sum(u.n) AS n
              FROM unnest(r.wall_buckets || excluded.wall_buckets, r.wall_counts || excluded.wall_counts) AS u(bucket, n)
              GROUP BY u.bucket HAVING sum(u.n) <> 0) merged)

-- name: fold_order_delta
WITH days AS (
    SELECT x.dim, x.value, d.day, d.warehouse, d.subject, d.bucket, sum(d.n) AS n
    FROM _flow_order_delta d
    CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', d.channel), ('tier', d.tier), ('carrier', d.carrier)) AS x(dim, value)
    GROUP BY 1, 2, 3, 4, 5, 6
), spans AS (
    SELECT d.dim, d.value, s.span, flow_block_start(d.day, s.span) AS day, d.warehouse, d.subject, d.bucket,
           sum(d.n) AS n
    FROM days d CROSS JOIN unnest(CAST(:spans AS integer[])) AS s(span)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(d.n) <> 0
)
INSERT INTO flow_order_days AS r (dim, value, span_days, day, warehouse, subject, bucket, n)
SELECT * FROM spans
ORDER BY 1, 2, 3, 4
ON CONFLICT (dim, value, span_days, day, warehouse, subject, bucket) DO UPDATE SET n = r.n + excluded.n

-- name: remove_empty_transition_rows
-- Rows whose facts are all gone: only a row whose count went down can be (looked up by key, never a scan).
DELETE FROM flow_transition_days r
USING _flow_transition_rows d
WHERE d.n < 0 AND r.n = 0 AND r.object_type = d.object_type AND r.dim = d.dim AND r.value = d.value
  AND r.span_days = d.span_days AND r.day = d.day AND r.warehouse = d.warehouse
  AND r.from_kind = d.from_kind AND r.to_kind = d.to_kind

-- name: remove_empty_order_rows
DELETE FROM flow_order_days r
USING (SELECT DISTINCT x.dim, x.value, d.day, d.warehouse, d.subject, d.bucket
       FROM _flow_order_delta d
       CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', d.channel), ('tier', d.tier), ('carrier', d.carrier)) AS x(dim, value)
       WHERE d.n < 0) g
CROSS JOIN unnest(CAST(:spans AS integer[])) AS s(span)
WHERE r.n = 0 AND r.dim = g.dim AND r.value = g.value AND r.span_days = s.span
  AND r.day = flow_block_start(g.day, s.span) AND r.warehouse = g.warehouse
  AND r.subject = g.subject AND r.bucket = g.bucket

-- name: hash_aggregates_only
SET LOCAL enable_sort = off

-- name: sorts_allowed
SET LOCAL enable_sort TO DEFAULT
