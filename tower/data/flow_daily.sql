-- Read side of /flow from the rollups (tower/process/rollup.sql): the same figures as
-- tower/data/flow.sql's blocks over days [:start_day, :end_day) — read as the blocks of days
-- (:spans days from :starts) that make it up, the trend per day — one dimension (:dim, :value;
-- '*' = all), the page's warehouse ('*' = all) and the viewer's warehouses (NULL = every one).
-- Quantiles from the buckets: percentile_cont's interpolation between the two ranks around
-- p x (n - 1), each rank's value taken as its bucket's value (within sqrt(1.05) of the exact).

-- name: process_map
WITH block_rows AS (
    SELECT t.*
    FROM unnest(CAST(:spans AS integer[]), CAST(:starts AS date[])) AS u(span_days, day)
    CROSS JOIN LATERAL (   -- one index range per block (OFFSET 0 keeps it a per-block lookup)
        SELECT from_kind, to_kind, n, total_hours, business_buckets, business_counts, wall_buckets, wall_counts
        FROM flow_transition_days t
        WHERE t.object_type = :object_type AND t.dim = :dim AND t.value = :value
          AND t.span_days = u.span_days AND t.day = u.day
          AND (:warehouse = '*' OR t.warehouse = :warehouse)
          AND (CAST(:warehouses AS text[]) IS NULL OR t.warehouse = ANY(:warehouses)) OFFSET 0) t
), k AS (
    SELECT from_kind, to_kind, sum(n) AS n, sum(total_hours) AS total_hours FROM block_rows GROUP BY 1, 2
), r AS (   -- the histograms summed bucket by bucket
    SELECT from_kind, to_kind, 'business' AS measure, h.bucket, sum(h.n) AS n
    FROM block_rows b CROSS JOIN unnest(b.business_buckets, b.business_counts) AS h(bucket, n) GROUP BY 1, 2, 4
    UNION ALL
    SELECT from_kind, to_kind, 'wall', h.bucket, sum(h.n)
    FROM block_rows b CROSS JOIN unnest(b.wall_buckets, b.wall_counts) AS h(bucket, n) GROUP BY 1, 2, 4
), c AS (
    SELECT from_kind, to_kind, measure, bucket, n,
           sum(n) OVER (PARTITION BY from_kind, to_kind, measure ORDER BY bucket) - n AS below,
           sum(n) OVER (PARTITION BY from_kind, to_kind, measure) AS total
    FROM r
), q AS (
    SELECT c.from_kind, c.to_kind, c.measure, p.p,
           max(flow_bucket_hours(c.bucket)) FILTER (WHERE c.below <= floor(p.p * (c.total - 1))
                                                     AND floor(p.p * (c.total - 1)) < c.below + c.n) AS lo,
           max(flow_bucket_hours(c.bucket)) FILTER (WHERE c.below <= ceil(p.p * (c.total - 1))
                                                     AND ceil(p.p * (c.total - 1)) < c.below + c.n) AS hi,
           max(p.p * (c.total - 1) - floor(p.p * (c.total - 1))) AS frac
    FROM c CROSS JOIN unnest(ARRAY[0.5, 0.9]) AS p(p)
    GROUP BY 1, 2, 3, 4
), v AS (
    SELECT from_kind, to_kind, measure, p, lo + frac * (hi - lo) AS hours FROM q
)
SELECT k.from_kind, k.to_kind, k.n::bigint AS n,
       ARRAY[(SELECT hours FROM v WHERE v.from_kind = k.from_kind AND v.to_kind = k.to_kind AND v.measure = 'business' AND v.p = 0.5),
             (SELECT hours FROM v WHERE v.from_kind = k.from_kind AND v.to_kind = k.to_kind AND v.measure = 'business' AND v.p = 0.9)]
           AS business_quantiles,
       k.total_hours,
       (SELECT hours FROM v WHERE v.from_kind = k.from_kind AND v.to_kind = k.to_kind AND v.measure = 'wall' AND v.p = 0.5)
           AS median_wall_hours
FROM k

-- name: waiting
SELECT from_kind, to_kind, sum(n)::bigint AS n, sum(total_hours) AS total_hours
FROM unnest(CAST(:spans AS integer[]), CAST(:starts AS date[])) AS u(span_days, day)
CROSS JOIN LATERAL (
    SELECT from_kind, to_kind, n, total_hours FROM flow_transition_days t
    WHERE t.object_type = :object_type AND t.dim = :dim AND t.value = :value
      AND t.span_days = u.span_days AND t.day = u.day AND t.from_kind <> 'start'
      AND (:warehouse = '*' OR t.warehouse = :warehouse)
      AND (CAST(:warehouses AS text[]) IS NULL OR t.warehouse = ANY(:warehouses)) OFFSET 0) t
GROUP BY 1, 2

-- name: subjects
-- Per subject: its count and (for the cycle subjects) its median from the buckets.
WITH r AS (
    SELECT subject, bucket, sum(n) AS n
    FROM unnest(CAST(:spans AS integer[]), CAST(:starts AS date[])) AS u(span_days, day)
    CROSS JOIN LATERAL (
        SELECT subject, bucket, n FROM flow_order_days o
        WHERE o.dim = :dim AND o.value = :value AND o.span_days = u.span_days AND o.day = u.day
          AND (:warehouse = '*' OR o.warehouse = :warehouse)
          AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses)) OFFSET 0) o
    GROUP BY 1, 2
), c AS (
    SELECT subject, bucket, n, sum(n) OVER (PARTITION BY subject ORDER BY bucket) - n AS below,
           sum(n) OVER (PARTITION BY subject) AS total
    FROM r
), q AS (
    SELECT subject, max(total)::bigint AS n,
           max(flow_bucket_hours(bucket)) FILTER (WHERE bucket >= 0 AND below <= floor(0.5 * (total - 1))
                                                   AND floor(0.5 * (total - 1)) < below + n) AS lo,
           max(flow_bucket_hours(bucket)) FILTER (WHERE bucket >= 0 AND below <= ceil(0.5 * (total - 1))
                                                   AND ceil(0.5 * (total - 1)) < below + n) AS hi,
           max(0.5 * (total - 1) - floor(0.5 * (total - 1))) AS frac
    FROM c GROUP BY 1
)
SELECT subject, n, lo + frac * (hi - lo) AS median FROM q

-- name: trend
-- Per period (:grain of the placing day): orders, conforming, orders per deviation type.
WITH r AS (
    SELECT date_trunc(:grain, day)::date AS period, subject, sum(n) AS n
    FROM flow_order_days
    WHERE dim = :dim AND value = :value AND span_days = 1 AND day >= :start_day AND day < :end_day AND bucket = -1
      AND (subject IN ('orders', 'conforming') OR subject LIKE 'deviation:%')
      AND (:warehouse = '*' OR warehouse = :warehouse)
      AND (CAST(:warehouses AS text[]) IS NULL OR warehouse = ANY(:warehouses))
    GROUP BY 1, 2
)
SELECT period,
       coalesce(max(n) FILTER (WHERE subject = 'orders'), 0)::bigint AS orders,
       coalesce(max(n) FILTER (WHERE subject = 'conforming'), 0)::bigint AS conforming,
       coalesce(jsonb_object_agg(substr(subject, 11), n) FILTER (WHERE subject LIKE 'deviation:%'), '{}'::jsonb) AS types
FROM r GROUP BY period ORDER BY period
