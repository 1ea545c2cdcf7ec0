-- Read side of the KPI page. Everything reads kpi_daily (pre-aggregated per day and per
-- combination of region / warehouse / channel, '*' = all) except the customer filter and the
-- drill-down, which read kpi_facts by index.

-- name: cells
SELECT measure, bucket, sum(n)::bigint AS n, sum(num) AS num, sum(den) AS den
FROM kpi_daily
WHERE day >= :start AND day < :end
  AND ((measure = ANY(:measures) AND region = :region AND warehouse = :warehouse AND channel = :channel)
       OR (measure = ANY(:global_measures) AND region = '*' AND warehouse = '*' AND channel = '*'))
GROUP BY measure, bucket

-- name: cells_customer
SELECT measure,
       CASE WHEN measure = ANY(:bucketed) THEN least(greatest(floor(num * 60), 0), 60000000)::int ELSE 0 END AS bucket,
       count(*)::bigint AS n, sum(num) AS num, sum(den) AS den
FROM kpi_facts
WHERE customer_id = :customer AND measure = ANY(:measures)
  AND anchor_at >= CAST(:start AS date)::timestamp AT TIME ZONE 'UTC'
  AND anchor_at < CAST(:end AS date)::timestamp AT TIME ZONE 'UTC'
  AND (:region = '*' OR region = :region)
  AND (:warehouse = '*' OR warehouse = :warehouse)
  AND (:channel = '*' OR channel = :channel)
GROUP BY 1, 2

-- name: trend
SELECT date_trunc(:grain, day)::date AS period, measure, bucket,
       sum(n)::bigint AS n, sum(num) AS num, sum(den) AS den
FROM kpi_daily
WHERE measure = :measure AND day >= :start AND day < :end
  AND region = :region AND warehouse = :warehouse AND channel = :channel
GROUP BY 1, 2, 3

-- name: trend_customer
SELECT date_trunc(:grain, anchor_at AT TIME ZONE 'UTC')::date AS period, measure,
       CASE WHEN measure = ANY(:bucketed) THEN least(greatest(floor(num * 60), 0), 60000000)::int ELSE 0 END AS bucket,
       count(*)::bigint AS n, sum(num) AS num, sum(den) AS den
FROM kpi_facts
WHERE customer_id = :customer AND measure = :measure
  AND anchor_at >= CAST(:start AS date)::timestamp AT TIME ZONE 'UTC'
  AND anchor_at < CAST(:end AS date)::timestamp AT TIME ZONE 'UTC'
  AND (:region = '*' OR region = :region)
  AND (:warehouse = '*' OR warehouse = :warehouse)
  AND (:channel = '*' OR channel = :channel)
GROUP BY 1, 2, 3

-- The rows behind one KPI, in two orders, each served by an index so that a page of rows
-- costs the same at 1M orders: newest first (ratios and counts, kpi_facts_anchor_idx
-- backwards; :missed true = misses only, false = the rest, NULL = both) and largest value first
-- (durations, kpi_facts_value_idx). They stay two blocks because an ORDER BY chosen by a
-- parameter could use neither index.

-- name: drill_newest
SELECT f.order_id, f.subject, o.customer_id, o.customer_name, f.region, f.warehouse, f.channel,
       f.anchor_at, f.num::float8 AS num, f.den::float8 AS den, o.value::float8 AS order_value,
       o.stage, o.status
FROM kpi_facts f
LEFT JOIN orders o ON o.order_id = f.order_id
WHERE f.measure = :measure
  AND f.anchor_at >= CAST(:start AS date)::timestamp AT TIME ZONE 'UTC'
  AND f.anchor_at < CAST(:end AS date)::timestamp AT TIME ZONE 'UTC'
  AND (:region = '*' OR f.region = :region)
  AND (:warehouse = '*' OR f.warehouse = :warehouse)
  AND (:channel = '*' OR f.channel = :channel)
  AND (CAST(:customer AS text) IS NULL OR f.customer_id = :customer)
  AND (CAST(:missed AS boolean) IS NULL OR (f.num < f.den) = :missed)
ORDER BY f.anchor_at DESC, f.subject
LIMIT :limit

-- name: drill_largest
SELECT f.order_id, f.subject, o.customer_id, o.customer_name, f.region, f.warehouse, f.channel,
       f.anchor_at, f.num::float8 AS num, f.den::float8 AS den, o.value::float8 AS order_value,
       o.stage, o.status
FROM kpi_facts f
LEFT JOIN orders o ON o.order_id = f.order_id
WHERE f.measure = :measure
  AND f.anchor_at >= CAST(:start AS date)::timestamp AT TIME ZONE 'UTC'
  AND f.anchor_at < CAST(:end AS date)::timestamp AT TIME ZONE 'UTC'
  AND (:region = '*' OR f.region = :region)
  AND (:warehouse = '*' OR f.warehouse = :warehouse)
  AND (:channel = '*' OR f.channel = :channel)
  AND (CAST(:customer AS text) IS NULL OR f.customer_id = :customer)
ORDER BY f.num DESC, f.anchor_at DESC, f.subject
LIMIT :limit

-- name: options
-- Filter choices: values seen in the last year on one common measure (bounded by index).
SELECT DISTINCT region, warehouse, channel
FROM kpi_daily
WHERE measure = 'fill_order' AND day >= :since
  AND region <> '*' AND warehouse <> '*' AND channel <> '*'

-- name: pending_changes
-- Changed orders and exceptions not yet folded into the KPI facts (the minute job's backlog).
-- Reads at most :cap + 1 marks, oldest first, by the primary key: counting a 700k-mark backlog
-- took 2.5 s on every /queues refresh. Past the cap the count is a lower bound ("capped").
WITH first_marks AS (
    SELECT subject_type, subject_id, marked_at FROM kpi_dirty ORDER BY mark_id LIMIT :cap + 1
)
SELECT count(DISTINCT (subject_type, subject_id)) AS pending, count(*) > :cap AS capped,
       min(marked_at) AS oldest
FROM first_marks;

-- name: span
-- The first and last day holding KPI data (`tower kpis show`'s default period): every
-- warehouse's total row, or the rows of the scope's warehouses.
SELECT min(day) AS first, max(day) AS last
FROM kpi_daily
WHERE region = '*' AND channel = '*'
  AND ((CAST(:warehouses AS text[]) IS NULL AND warehouse = '*')
       OR warehouse = ANY(:warehouses))
