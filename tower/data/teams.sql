-- Team performance from the exceptions and their audit (exception_events).

-- name: summary
-- One row per team that has a row in teams or owns any exception. Rates over [since, until);
-- open work as of :now (opened by then, not resolved by then; live exceptions: a history one was
-- never anybody's open work).
-- A limited scope (:warehouses) counts its warehouses' exceptions only and lists only the
-- teams that hold any of them: other warehouses' teams stay out of sight.
WITH open AS (
    SELECT team_id, count(*) AS open,
           count(*) FILTER (WHERE due_at < :now) AS overdue,
           count(*) FILTER (WHERE due_at >= :now
                              AND :now >= opened_at + (due_at - opened_at) * :at_risk) AS at_risk,
           count(*) FILTER (WHERE assignee IS NULL) AS unassigned,
           sum(value_at_risk) AS value_at_risk
    -- Open now: status <> 'resolved' (the partial index); open then: also resolved after :now.
    FROM exceptions x WHERE (status <> 'resolved' OR resolved_at > :now) AND opened_at <= :now
      AND origin = 'live' AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = x.order_id AND o.warehouse = ANY(:warehouses)))
    GROUP BY team_id
), done AS (
    SELECT team_id, count(*) AS resolved,
           count(*) FILTER (WHERE due_at IS NULL OR resolved_at <= due_at) AS resolved_in_time,
           avg(date_part('epoch', resolved_at - opened_at)) AS mttr_seconds
    FROM exceptions x
    -- Only what people and the live system handled: history (a past life found in a backfill)
    -- was never anybody's to resolve.
    WHERE status = 'resolved' AND resolved_at >= :since AND resolved_at < :until AND origin = 'live'
      AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = x.order_id AND o.warehouse = ANY(:warehouses)))
    GROUP BY team_id
), ack AS (
    SELECT team_id, avg(date_part('epoch', acknowledged_at - opened_at)) AS mtta_seconds,
           count(*) AS acknowledged
    FROM exceptions x
    WHERE acknowledged_at >= :since AND acknowledged_at < :until AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = x.order_id AND o.warehouse = ANY(:warehouses)))
    GROUP BY team_id
), ev AS (
    SELECT e.team_id,
           count(*) FILTER (WHERE a.action = 'escalated') AS escalations,
           count(*) FILTER (WHERE a.action = 'reopened') AS reopens,
           count(*) FILTER (WHERE a.action = 'resolved') AS resolutions
    FROM exception_events a JOIN exceptions e ON e.exception_id = a.exception_id
    WHERE a.at >= :since AND a.at < :until AND a.action IN ('escalated', 'reopened', 'resolved')
      AND e.origin = 'live'
      AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:warehouses)))
    GROUP BY e.team_id
), ids AS (
    SELECT team_id FROM teams WHERE CAST(:warehouses AS text[]) IS NULL
    UNION SELECT team_id FROM open UNION SELECT team_id FROM done UNION SELECT team_id FROM ev
)
SELECT ids.team_id, t.name, t.lead_name,
       coalesce(o.open, 0)::int AS open, coalesce(o.at_risk, 0)::int AS at_risk,
       coalesce(o.overdue, 0)::int AS overdue, coalesce(o.unassigned, 0)::int AS unassigned,
       coalesce(o.value_at_risk, 0)::float8 AS value_at_risk,
       coalesce(d.resolved, 0)::int AS resolved, coalesce(d.resolved_in_time, 0)::int AS resolved_in_time,
       d.mttr_seconds::float8 AS mttr_seconds, k.mtta_seconds::float8 AS mtta_seconds,
       coalesce(k.acknowledged, 0)::int AS acknowledged,
       coalesce(v.escalations, 0)::int AS escalations, coalesce(v.reopens, 0)::int AS reopens,
       coalesce(v.resolutions, 0)::int AS resolutions
FROM ids
LEFT JOIN teams t ON t.team_id = ids.team_id
LEFT JOIN open o ON o.team_id IS NOT DISTINCT FROM ids.team_id
LEFT JOIN done d ON d.team_id IS NOT DISTINCT FROM ids.team_id
LEFT JOIN ack k ON k.team_id IS NOT DISTINCT FROM ids.team_id
LEFT JOIN ev v ON v.team_id IS NOT DISTINCT FROM ids.team_id

-- name: workload
-- Open exceptions per (team, assignee) as of :now, the same "open then" as the summary (opened
-- by then, not resolved by then; live exceptions only). The assignee is the one it had then: the
-- last 'assigned' entry of the audit trail at or before :now (none: not assigned yet), so a past
-- "as of" does not put today's assignee on yesterday's work (:past false: :now is the present,
-- and the assignee column is that entry already). NULL = not assigned.
WITH open AS (
    SELECT x.exception_id, x.team_id, x.due_at, x.opened_at, x.value_at_risk,
           CASE WHEN NOT CAST(:past AS boolean) THEN x.assignee
                ELSE (SELECT a.detail->>'assignee' FROM exception_events a
                      WHERE a.exception_id = x.exception_id AND a.action = 'assigned' AND a.at <= :now
                      ORDER BY a.at DESC, a.event_id DESC LIMIT 1) END AS assignee
    FROM exceptions x
    WHERE (x.status <> 'resolved' OR x.resolved_at > :now) AND x.opened_at <= :now AND x.origin = 'live'
      AND (CAST(:team AS text) IS NULL OR x.team_id = :team)
      AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = x.order_id AND o.warehouse = ANY(:warehouses)))
)
SELECT team_id, assignee, count(*)::int AS open,
       count(*) FILTER (WHERE due_at < :now)::int AS overdue,
       count(*) FILTER (WHERE due_at >= :now
                          AND :now >= opened_at + (due_at - opened_at) * :at_risk)::int AS at_risk,
       min(opened_at) AS oldest_opened_at,
       coalesce(sum(value_at_risk), 0)::float8 AS value_at_risk
FROM open
GROUP BY team_id, assignee
ORDER BY team_id, count(*) DESC, assignee NULLS FIRST
