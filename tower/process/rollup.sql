-- Rollups of the flow facts (sql/migrations/0021_flow_daily_rollups.sql, 0023, 0025). What a fact
-- adds is defined once, by the views flow_transition_contributions and flow_order_contributions;
-- the statements below sum those rows into _flow_*_delta (signed: -1 for the contributions an
-- order is about to lose, +1 for the ones it has), then fold the deltas into the day rows and the
-- blocks of days over them.

-- name: create_transition_delta
-- Scratch tables for the session, emptied at every commit (created once: no catalog write per run).
CREATE TEMP TABLE IF NOT EXISTS _flow_transition_delta (
    object_type text, day date, warehouse text, channel text, tier text, carrier text,
    from_kind text, to_kind text, measure text, bucket integer, n bigint, total_hours double precision
) ON COMMIT DELETE ROWS

-- name: create_order_delta
CREATE TEMP TABLE IF NOT EXISTS _flow_order_delta (
    day date, warehouse text, channel text, tier text, carrier text, subject text, bucket integer, n bigint
) ON COMMIT DELETE ROWS

-- name: clear_transition_delta
DELETE FROM _flow_transition_delta

-- name: clear_order_delta
DELETE FROM _flow_order_delta

-- name: orders_transition_delta
-- The contributions of some orders' transitions, times :sign.
INSERT INTO _flow_transition_delta
SELECT object_type, day, warehouse, channel, tier, carrier, from_kind, to_kind, measure, bucket,
       :sign * count(*), :sign * sum(hours)
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
       count(*), sum(hours)
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
DELETE FROM flow_transition_days WHERE span_days = 1 AND day >= :start_day AND day < :end_day

-- name: clear_order_days
DELETE FROM flow_order_days WHERE span_days = 1 AND day >= :start_day AND day < :end_day

-- name: fold_transition_delta
-- The deltas, once per dimension kept ('*' = all) and per span in :spans (1 = the day itself,
-- else the block of that many days holding it), added to the stored rows. Contributions an
-- order lost and got back cancel out before anything is written (most orders of a minute keep
-- most of their transitions). Rows left at n = 0 are removed next (remove_empty_*).
WITH days AS (   -- per dimension first: '*' merges the rows of every channel, tier and carrier
    SELECT d.object_type, x.dim, x.value, d.day, d.warehouse, d.from_kind, d.to_kind, d.measure, d.bucket,
           sum(d.n) AS n, sum(d.total_hours) AS total_hours
    FROM _flow_transition_delta d
    CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', d.channel), ('tier', d.tier), ('carrier', d.carrier)) AS x(dim, value)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
), spans AS (
    SELECT d.object_type, d.dim, d.value, s.span, flow_block_start(d.day, s.span) AS day, d.warehouse,
           d.from_kind, d.to_kind, d.measure, d.bucket, sum(d.n) AS n, sum(d.total_hours) AS total_hours
    FROM days d CROSS JOIN unnest(CAST(:spans AS integer[])) AS s(span)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    HAVING sum(d.n) <> 0 OR coalesce(sum(d.total_hours), 0) <> 0
)
INSERT INTO flow_transition_days AS r (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
                                       measure, bucket, n, total_hours)
SELECT * FROM spans
ORDER BY 1, 2, 3, 4, 5   -- stored in the order reads take them: one read's rows share pages
ON CONFLICT (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind, measure, bucket)
DO UPDATE SET n = r.n + excluded.n,
              total_hours = CASE WHEN r.total_hours IS NULL THEN excluded.total_hours
                                 WHEN excluded.total_hours IS NULL THEN r.total_hours
                                 ELSE r.total_hours + excluded.total_hours END

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
-- Rows whose facts are all gone (looked up by the keys the deltas touched, never a scan).
DELETE FROM flow_transition_days r
USING (SELECT DISTINCT d.object_type, x.dim, x.value, d.day, d.warehouse, d.from_kind, d.to_kind, d.measure, d.bucket
       FROM _flow_transition_delta d
       CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', d.channel), ('tier', d.tier), ('carrier', d.carrier)) AS x(dim, value)
       WHERE d.n < 0) g
CROSS JOIN unnest(CAST(:spans AS integer[])) AS s(span)
WHERE r.n = 0 AND r.object_type = g.object_type AND r.dim = g.dim AND r.value = g.value
  AND r.span_days = s.span AND r.day = flow_block_start(g.day, s.span) AND r.warehouse = g.warehouse
  AND r.from_kind = g.from_kind AND r.to_kind = g.to_kind AND r.measure = g.measure AND r.bucket = g.bucket

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

-- name: clear_transition_blocks
DELETE FROM flow_transition_days WHERE span_days = :size AND day = ANY(CAST(:starts AS date[]))

-- name: clear_order_blocks
DELETE FROM flow_order_days WHERE span_days = :size AND day = ANY(CAST(:starts AS date[]))

-- name: insert_transition_blocks
-- Each block of :size days starting on :starts, the sum of the :smaller-day rows inside it.
INSERT INTO flow_transition_days (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
                                  measure, bucket, n, total_hours)
SELECT r.object_type, r.dim, r.value, :size, b.day, r.warehouse, r.from_kind, r.to_kind, r.measure, r.bucket,
       sum(r.n), sum(r.total_hours)
FROM unnest(CAST(:starts AS date[])) AS b(day)
CROSS JOIN LATERAL (   -- one index range of (span_days, day) per block (OFFSET 0 keeps it so)
    SELECT * FROM flow_transition_days r
    WHERE r.span_days = :smaller AND r.day >= b.day AND r.day < b.day + :size OFFSET 0) r
GROUP BY r.object_type, r.dim, r.value, b.day, r.warehouse, r.from_kind, r.to_kind, r.measure, r.bucket
ORDER BY r.object_type, r.dim, r.value, b.day

-- name: insert_order_blocks
INSERT INTO flow_order_days (dim, value, span_days, day, warehouse, subject, bucket, n)
SELECT r.dim, r.value, :size, b.day, r.warehouse, r.subject, r.bucket, sum(r.n)
FROM unnest(CAST(:starts AS date[])) AS b(day)
CROSS JOIN LATERAL (
    SELECT * FROM flow_order_days r
    WHERE r.span_days = :smaller AND r.day >= b.day AND r.day < b.day + :size OFFSET 0) r
GROUP BY r.dim, r.value, b.day, r.warehouse, r.subject, r.bucket
ORDER BY r.dim, r.value, b.day
