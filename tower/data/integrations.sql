-- Integrations page: per-stream run statistics, recent failures, open incidents.

-- name: run_stats
-- The last :runs runs of each stream (read newest first through collector_runs_stream_idx).
SELECT s.source, s.stream, count(r.*)::int AS runs,
       count(*) FILTER (WHERE r.status IN ('failed', 'fatal'))::int AS failed_runs,
       avg(r.records_fetched) FILTER (WHERE r.status = 'ok')::float8 AS records_per_run,
       min(r.started_at) AS since
FROM unnest(CAST(:sources AS text[]), CAST(:streams AS text[])) AS s (source, stream)
CROSS JOIN LATERAL (
    SELECT c.status, c.records_fetched, c.started_at FROM collector_runs c
    WHERE c.source = s.source AND c.stream = s.stream AND c.status <> 'running'
    ORDER BY c.started_at DESC LIMIT :runs
) r
GROUP BY s.source, s.stream

-- name: recent_errors
SELECT run_id, source, stream, started_at, finished_at, status, error
FROM collector_runs
WHERE status IN ('failed', 'fatal')
ORDER BY started_at DESC
LIMIT :limit

-- name: open_dead_letters
SELECT source, stream, count(*)::int AS open_dead_letters
FROM dead_letters WHERE status = 'open'
GROUP BY source, stream

-- name: incidents
SELECT e.exception_id, e.subject AS source, e.title, e.severity, e.status, e.opened_at,
       e.due_at, e.assignee, e.detail,
       coalesce(a.orders, 0)::int AS orders, coalesce(a.value, 0)::float8 AS value
FROM exceptions e
LEFT JOIN LATERAL (
    -- One primary-key lookup per held order: a join would hash the whole orders table.
    -- A limited scope (:warehouses) counts only its warehouses' orders.
    SELECT count(*) AS orders, sum(o.value) AS value
    FROM incident_orders io
    LEFT JOIN LATERAL (SELECT o.value, o.warehouse FROM orders o WHERE o.order_id = io.order_id) o ON true
    WHERE io.exception_id = e.exception_id
      AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
) a ON true
WHERE e.kind = 'integration_incident' AND e.status <> 'resolved'
ORDER BY e.opened_at DESC

-- name: incident_orders
SELECT o.order_id, o.customer_name, o.warehouse, o.stage, o.value::float8 AS value,
       o.sla_state, o.waiting_on
FROM incident_orders io JOIN orders o ON o.order_id = io.order_id
WHERE io.exception_id = :exception_id
  AND (CAST(:warehouses AS text[]) IS NULL OR o.warehouse = ANY(:warehouses))
ORDER BY o.value DESC, o.order_id
LIMIT :limit
