-- The analytics job: recompute KPI facts for the orders and exceptions marked in kpi_dirty,
-- and move the kpi_daily cells by what those facts took away and added. Run in one
-- transaction (caller's).

-- name: create_batch
CREATE TEMP TABLE IF NOT EXISTS _kpi_batch (subject_type text, subject_id text) ON COMMIT DROP;
TRUNCATE _kpi_batch;
-- What the batch's subjects take away from and add to the kpi_daily cells, before the cube.
CREATE TEMP TABLE IF NOT EXISTS _kpi_delta (
    region text, warehouse text, channel text, measure text, day date, bucket integer,
    n bigint, num numeric, den numeric
) ON COMMIT DROP;
TRUNCATE _kpi_delta;

-- name: take_batch
-- SKIP LOCKED: two analytics jobs never take the same mark. Oldest marks first.
WITH d AS (
    SELECT mark_id FROM kpi_dirty ORDER BY mark_id LIMIT :limit FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM kpi_dirty k USING d WHERE k.mark_id = d.mark_id
    RETURNING k.subject_type, k.subject_id
)
INSERT INTO _kpi_batch SELECT DISTINCT subject_type, subject_id FROM gone

-- name: sweep_promises
-- Open orders whose promise passed since the last sweep: their OTIF turns into a miss.
INSERT INTO _kpi_batch
SELECT 'order', o.order_id FROM orders o
WHERE o.status = 'open' AND o.promised_at > :since AND o.promised_at <= :now
  AND NOT EXISTS (SELECT 1 FROM _kpi_batch b WHERE b.subject_type = 'order' AND b.subject_id = o.order_id)

-- name: analyze_batch
-- Statistics for the batch, so its orders are joined to the log by key, not by a scan.
ANALYZE _kpi_batch

-- name: facts_delta
-- The cells the batch's stored facts count in, times :sign: -1 before they are recomputed, +1
-- after. Numeric sums, so taking away and adding back is exact.
INSERT INTO _kpi_delta
SELECT f.region, f.warehouse, f.channel, f.measure, (f.anchor_at AT TIME ZONE 'UTC')::date,
       CASE WHEN f.measure = ANY(:bucketed) THEN least(greatest(floor(f.num * 60), 0), 60000000)::int ELSE 0 END,
       :sign * count(*), :sign * sum(f.num), :sign * sum(f.den)
FROM _kpi_batch b
JOIN kpi_facts f ON f.subject = CASE WHEN b.subject_type = 'order' THEN b.subject_id
                                     ELSE 'x:' || b.subject_id END
GROUP BY 1, 2, 3, 4, 5, 6

-- name: delete_facts
DELETE FROM kpi_facts f USING _kpi_batch b
WHERE f.subject = CASE WHEN b.subject_type = 'order' THEN b.subject_id ELSE 'x:' || b.subject_id END;
DELETE FROM order_stage_times s USING _kpi_batch b
WHERE b.subject_type = 'order' AND s.order_id = b.subject_id;
DELETE FROM queue_items q USING _kpi_batch b
WHERE b.subject_type = 'order' AND q.order_id = b.subject_id

-- name: order_times
-- When each order completed each stage. "Completed" is the latest event of the stage (the one
-- that finished the last line), except placement and release which happen once.
CREATE TEMP TABLE IF NOT EXISTS _kpi_times ON COMMIT DROP AS
SELECT NULL::text AS order_id, NULL::text AS stage, NULL::text AS status, NULL::text AS warehouse,
       NULL::text AS region, NULL::text AS channel, NULL::text AS customer_id,
       NULL::timestamptz AS promised_at, 0 AS rank,
       NULL::timestamptz AS placed, NULL::timestamptz AS validated, NULL::timestamptz AS released,
       NULL::timestamptz AS picked, NULL::timestamptz AS packed,
       NULL::timestamptz AS first_shipped, NULL::timestamptz AS shipped,
       NULL::timestamptz AS delivered, NULL::timestamptz AS first_invoiced,
       NULL::timestamptz AS invoiced, NULL::timestamptz AS paid, NULL::timestamptz AS cancelled,
       false AS any_return, false AS any_failed_delivery,
       false AS placed_time_unknown, false AS shipped_time_unknown
WITH NO DATA;
TRUNCATE _kpi_times;
INSERT INTO _kpi_times
SELECT o.order_id, o.stage, o.status, coalesce(o.warehouse, '(none)'), coalesce(o.region, '(none)'),
       coalesce(o.channel, '(none)'), o.customer_id, o.promised_at,
       array_position(ARRAY['entered', 'validated', 'released', 'picked', 'packed', 'shipped',
                            'delivered', 'invoiced', 'paid'], o.stage) - 1,
       a.placed, least(a.validated, a.released), a.released, a.picked, a.packed,
       a.first_shipped, a.shipped, a.delivered, a.first_invoiced, a.invoiced, a.paid, a.cancelled,
       a.any_return, a.any_failed, a.placed_unknown, a.shipped_unknown
FROM _kpi_batch b
JOIN orders o ON o.order_id = b.subject_id
CROSS JOIN LATERAL (
    SELECT min(occurred_at) FILTER (WHERE kind = 'placed') AS placed,
           max(occurred_at) FILTER (WHERE kind IN ('priced', 'atp_confirmed', 'atp_short', 'credit_released')) AS validated,
           min(occurred_at) FILTER (WHERE kind = 'released') AS released,
           max(occurred_at) FILTER (WHERE kind = 'picked') AS picked,
           max(occurred_at) FILTER (WHERE kind = 'packed') AS packed,
           min(occurred_at) FILTER (WHERE kind = 'shipped') AS first_shipped,
           max(occurred_at) FILTER (WHERE kind = 'shipped') AS shipped,
           max(occurred_at) FILTER (WHERE kind = 'delivered') AS delivered,
           min(occurred_at) FILTER (WHERE kind = 'invoiced') AS first_invoiced,
           max(occurred_at) FILTER (WHERE kind = 'invoiced') AS invoiced,
           max(occurred_at) FILTER (WHERE kind = 'paid') AS paid,
           min(occurred_at) FILTER (WHERE kind = 'cancelled') AS cancelled,
           coalesce(bool_or(kind = 'return_requested'), false) AS any_return,
           coalesce(bool_or(kind = 'delivery_failed'), false) AS any_failed,
           -- An importer stamps a time the source does not record (attrs.time_known false):
           -- durations that start or end there are not measured.
           coalesce(bool_or(kind = 'placed' AND attrs->>'time_known' = 'false'), false) AS placed_unknown,
           coalesce(bool_or(kind = 'shipped' AND attrs->>'time_known' = 'false'), false) AS shipped_unknown
    FROM milestones m WHERE m.order_id = o.order_id
) a
WHERE b.subject_type = 'order';
ANALYZE _kpi_times (order_id)

-- name: insert_stage_times
-- Only stages the order has reached (a partly picked order is not "picked" yet).
INSERT INTO order_stage_times (order_id, stage, entered_at, warehouse)
SELECT t.order_id, s.stage, s.at, t.warehouse
FROM _kpi_times t
CROSS JOIN LATERAL (VALUES
    (0, 'entered', t.placed), (1, 'validated', coalesce(t.validated, t.released, t.placed)),
    (2, 'released', t.released), (3, 'picked', t.picked), (4, 'packed', t.packed),
    (5, 'shipped', t.shipped), (6, 'delivered', t.delivered), (7, 'invoiced', t.invoiced),
    (8, 'paid', t.paid), (99, 'cancelled', t.cancelled)
) s (rank, stage, at)
WHERE s.at IS NOT NULL
  AND (s.rank <= t.rank OR (t.status = 'cancelled' AND (s.rank = 99 OR s.at <= t.cancelled)))

-- name: insert_queue_items
INSERT INTO queue_items (order_id, warehouse, stage, entered_at, due_at, at_half, at_risk, at_due)
SELECT q.order_id, q.warehouse, q.stage, q.entered, q.due_at,
       q.entered + sp.span * 0.5, q.entered + sp.span * :at_risk, q.entered + sp.span
FROM (
    SELECT o.order_id, coalesce(o.warehouse, '(none)') AS warehouse, o.stage, o.due_at,
           coalesce(st.entered_at, o.last_event_at, o.placed_at) AS entered
    FROM _kpi_batch b
    JOIN orders o ON b.subject_type = 'order' AND o.order_id = b.subject_id
    LEFT JOIN order_stage_times st ON st.order_id = o.order_id AND st.stage = o.stage
    WHERE o.status = 'open'
) q
LEFT JOIN unnest(CAST(:c_stage AS text[]), CAST(:c_hours AS float8[])) AS c (stage, hours)
       ON c.stage = q.stage
CROSS JOIN LATERAL (
    SELECT CASE WHEN q.due_at > q.entered THEN q.due_at - q.entered
                ELSE make_interval(secs => coalesce(c.hours, 24) * 3600) END AS span
) sp
WHERE q.entered IS NOT NULL

-- name: insert_order_facts
WITH lines AS (
    SELECT ol.order_id,
           count(*) AS n_lines,
           sum(ol.qty_ordered) AS units,
           bool_and(ol.qty_invoiced = ol.qty_shipped
                    AND abs(ol.invoiced_amount - ol.qty_shipped * coalesce(ol.unit_price, 0)) <= 0.01) AS invoice_ok
    FROM _kpi_times t JOIN order_lines ol ON ol.order_id = t.order_id
    WHERE ol.qty_ordered > 0
    GROUP BY ol.order_id
), ship_ev AS (
    -- Shipped events of each order, with their line quantities (either attrs.lines or a
    -- single line_no + qty), grouped per shipment.
    SELECT m.order_id, coalesce(m.shipment_id, m.source_event_id) AS sid, m.occurred_at,
           (l->>'line_no')::integer AS line_no, coalesce((l->>'qty')::numeric, 0) AS qty
    FROM _kpi_times t
    JOIN milestones m ON m.order_id = t.order_id AND m.kind = 'shipped'
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(m.attrs->'lines') = 'array' THEN m.attrs->'lines'
             WHEN m.line_no IS NOT NULL THEN jsonb_build_array(
                 jsonb_build_object('line_no', m.line_no, 'qty', m.attrs->'qty'))
             ELSE '[]'::jsonb END) AS l
), first_ship AS (
    -- The first shipment is everything that left at the first ship time: shipments leaving
    -- together (one per seller, say) count as one, never split by their ids.
    SELECT order_id, min(occurred_at) AS first_at
    FROM ship_ev GROUP BY order_id
), first_qty AS (
    -- What the first shipment carried per line, summed once (a join, not a scan per line).
    SELECT e.order_id, e.line_no, sum(e.qty) AS qty
    FROM ship_ev e JOIN first_ship fs ON fs.order_id = e.order_id AND e.occurred_at = fs.first_at
    GROUP BY e.order_id, e.line_no
), first_fill AS (
    SELECT ol.order_id,
           count(*) FILTER (WHERE coalesce(q.qty, 0) >= ol.qty_ordered) AS full_lines,
           sum(least(coalesce(q.qty, 0), ol.qty_ordered)) AS units_filled
    FROM first_ship fs
    JOIN order_lines ol ON ol.order_id = fs.order_id AND ol.qty_ordered > 0
    LEFT JOIN first_qty q ON q.order_id = ol.order_id AND q.line_no = ol.line_no
    GROUP BY ol.order_id
), x AS (
    SELECT t.*, l.n_lines, l.units, l.invoice_ok, ff.full_lines, ff.units_filled
    FROM _kpi_times t
    LEFT JOIN lines l ON l.order_id = t.order_id
    LEFT JOIN first_fill ff ON ff.order_id = t.order_id
    WHERE t.status <> 'cancelled'
)
INSERT INTO kpi_facts (measure, subject, order_id, anchor_at, region, warehouse, channel,
                       customer_id, num, den)
SELECT v.measure, x.order_id, x.order_id, v.anchor_at, x.region, x.warehouse, x.channel,
       x.customer_id, v.num, v.den
FROM x
CROSS JOIN LATERAL (VALUES
    ('cycle_time', x.delivered,
     CASE WHEN x.rank >= 6 AND NOT x.placed_time_unknown THEN date_part('epoch', x.delivered - x.placed) / 3600 END, 1),
    ('seg_entry', coalesce(x.validated, x.released),
     CASE WHEN x.rank >= 1 AND NOT x.placed_time_unknown THEN date_part('epoch', coalesce(x.validated, x.released) - x.placed) / 3600 END, 1),
    ('seg_release', x.released,
     CASE WHEN x.rank >= 2 THEN date_part('epoch', x.released - coalesce(x.validated, x.released)) / 3600 END, 1),
    ('seg_warehouse', x.shipped,
     CASE WHEN x.rank >= 5 AND NOT x.shipped_time_unknown THEN date_part('epoch', x.shipped - x.released) / 3600 END, 1),
    ('seg_transit', x.delivered,
     CASE WHEN x.rank >= 6 AND NOT x.shipped_time_unknown THEN date_part('epoch', x.delivered - x.shipped) / 3600 END, 1),
    -- OTIF is decided once the order is delivered in full, or once its promise has passed
    -- (an order invoiced ahead of any delivery is not delivered: past its promise, a miss).
    ('otif', x.promised_at,
     CASE WHEN x.promised_at IS NULL THEN NULL
          WHEN x.rank >= 6 AND x.delivered IS NOT NULL THEN (x.delivered <= x.promised_at)::int
          WHEN x.promised_at <= :now THEN 0 END, 1),
    -- Late delivery asks only "was the delivery late?": decided once delivered in full.
    ('late_delivery', x.delivered,
     CASE WHEN x.rank >= 6 AND x.promised_at IS NOT NULL THEN (x.delivered > x.promised_at)::int END, 1),
    ('perfect_order', x.invoiced,
     CASE WHEN x.rank >= 7 AND x.promised_at IS NOT NULL THEN
          (x.delivered <= x.promised_at AND NOT x.any_return AND NOT x.any_failed_delivery
           AND coalesce(x.invoice_ok, false))::int END, 1),
    ('fill_order', x.first_shipped,
     CASE WHEN x.full_lines IS NOT NULL THEN (x.full_lines = x.n_lines)::int END, 1),
    ('fill_line', x.first_shipped, x.full_lines, x.n_lines),
    ('fill_unit', x.first_shipped, x.units_filled, x.units),
    ('on_time_ship', x.shipped,
     CASE WHEN x.rank >= 5 AND x.released IS NOT NULL THEN
          (x.shipped <= x.released + make_interval(secs => :ship_sla_hours * 3600))::int END, 1),
    ('invoice_latency', x.first_invoiced,
     CASE WHEN x.first_shipped IS NOT NULL THEN date_part('epoch', x.first_invoiced - x.first_shipped) / 3600 END, 1),
    ('days_to_pay', x.paid,
     CASE WHEN x.rank >= 8 THEN date_part('epoch', x.paid - x.first_invoiced) / 86400 END, 1)
) v (measure, anchor_at, num, den)
WHERE v.anchor_at IS NOT NULL AND v.num IS NOT NULL AND v.den IS NOT NULL AND v.den > 0
  -- Out-of-order milestones (a hand-over before the approval, a delivery before the hand-over)
  -- give negative durations: they are left out of the duration percentiles.
  AND NOT (v.measure = ANY(:bucketed) AND v.num < 0)

-- name: insert_exception_facts
INSERT INTO kpi_facts (measure, subject, order_id, anchor_at, region, warehouse, channel,
                       customer_id, num, den)
SELECT CASE WHEN e.kind = 'integration_incident' THEN 'incidents' ELSE 'exception_resolution' END,
       'x:' || e.exception_id, e.order_id,
       CASE WHEN e.kind = 'integration_incident' THEN e.opened_at ELSE e.resolved_at END,
       coalesce(o.region, '(none)'), coalesce(o.warehouse, '(none)'), coalesce(o.channel, '(none)'),
       o.customer_id,
       CASE WHEN e.kind = 'integration_incident' THEN 1
            ELSE date_part('epoch', e.resolved_at - e.opened_at) / 3600 END,
       1
FROM _kpi_batch b
JOIN exceptions e ON b.subject_type = 'exception' AND e.exception_id = b.subject_id::bigint
LEFT JOIN orders o ON o.order_id = e.order_id
WHERE e.kind = 'integration_incident' OR (e.status = 'resolved' AND e.resolved_at IS NOT NULL AND e.origin = 'live')

-- name: fold_delta
-- The deltas for every combination of the filter dimensions ('*' = all), added to the stored
-- cells: the work is what the batch's subjects count for, never the days they fall on (a
-- minute's few hundred orders touch most of the last 60 days; rebuilding those days read
-- every fact on them each minute). Facts a subject lost and got back cancel out first.
WITH cells AS (
    SELECT CASE WHEN grouping(d.region) = 1 THEN '*' ELSE d.region END AS region,
           CASE WHEN grouping(d.warehouse) = 1 THEN '*' ELSE d.warehouse END AS warehouse,
           CASE WHEN grouping(d.channel) = 1 THEN '*' ELSE d.channel END AS channel,
           d.measure, d.day, d.bucket, sum(d.n) AS n, sum(d.num) AS num, sum(d.den) AS den
    FROM _kpi_delta d
    GROUP BY d.measure, d.day, d.bucket, CUBE (d.region, d.warehouse, d.channel)
    HAVING sum(d.n) <> 0 OR sum(d.num) <> 0 OR sum(d.den) <> 0
)
INSERT INTO kpi_daily AS k (region, warehouse, channel, measure, day, bucket, n, num, den)
SELECT * FROM cells
ON CONFLICT (region, warehouse, channel, measure, day, bucket)
DO UPDATE SET n = k.n + excluded.n, num = k.num + excluded.num, den = k.den + excluded.den

-- name: remove_empty_cells
-- Cells left with no fact, looked up by the (measure, day) the deltas took facts from.
DELETE FROM kpi_daily k
USING (SELECT DISTINCT region, warehouse, channel, measure, day, bucket FROM _kpi_delta WHERE n < 0) d
WHERE k.n = 0 AND k.measure = d.measure AND k.day = d.day AND k.bucket = d.bucket
  AND k.region IN (d.region, '*') AND k.warehouse IN (d.warehouse, '*') AND k.channel IN (d.channel, '*')

-- name: batch_size
SELECT count(*) FROM _kpi_batch

-- name: get_state
SELECT value FROM kpi_state WHERE key = :key

-- name: set_state
INSERT INTO kpi_state (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value

-- name: pending_capped
-- Marks not yet folded in, counted up to a cap (bounded cost however large the backlog; a
-- subject marked twice counts twice, so this is an upper bound on the changed subjects), and
-- when the oldest was made (the primary key gives the oldest mark without a scan).
SELECT (SELECT count(*) FROM (SELECT 1 FROM kpi_dirty LIMIT :cap) k) AS marks,
       (SELECT marked_at FROM kpi_dirty ORDER BY mark_id LIMIT 1) AS oldest
