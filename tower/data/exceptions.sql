-- The filters of the exceptions page. Every filter is optional: a NULL array means "any".
-- An exception's age runs from when its condition began (condition_since, from the facts; else
-- when tower raised it): a payment 20 days overdue is 20 days old even if tower saw it today.
-- SLA states run from opened_at: the response clock starts when tower raises it.
-- The same WHERE appears in `open_list` and `open_summary` (named SQL blocks cannot share a
-- fragment); keep them identical.

-- name: open_list
-- Filter and rank the exceptions on their own, then look up orders and teams for the rows
-- shown only: joining every open exception to its order first would scan a million orders.
WITH picked AS (
    SELECT e.*
    FROM exceptions e
    WHERE e.status <> 'resolved'
      AND (CAST(:kinds AS text[]) IS NULL OR e.kind = ANY(:kinds))
      AND (CAST(:severities AS text[]) IS NULL OR e.severity = ANY(:severities))
      AND (CAST(:teams AS text[]) IS NULL OR e.team_id = ANY(:teams))
      AND (CAST(:assignees AS text[]) IS NULL OR coalesce(e.assignee, '(unassigned)') = ANY(:assignees))
      AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:warehouses)))
      AND (CAST(:scope AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:scope)))
      AND (CAST(:regions AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.region = ANY(:regions)))
      AND (CAST(:statuses AS text[]) IS NULL OR e.status = ANY(:statuses))
      AND (CAST(:orders AS text[]) IS NULL OR e.order_id = ANY(:orders))
      AND (CAST(:ids AS bigint[]) IS NULL OR e.exception_id = ANY(:ids))
      AND (CAST(:min_age_hours AS float8) IS NULL OR coalesce(e.condition_since, e.opened_at) <= :now - make_interval(secs => :min_age_hours * 3600))
      AND (CAST(:max_age_hours AS float8) IS NULL OR coalesce(e.condition_since, e.opened_at) >= :now - make_interval(secs => :max_age_hours * 3600))
      AND (CAST(:slas AS text[]) IS NULL OR
           CASE WHEN e.due_at IS NULL THEN 'none'
                WHEN e.due_at <= :now THEN 'breached'
                WHEN e.opened_at + (e.due_at - e.opened_at) * :at_risk <= :now THEN 'at_risk'
                ELSE 'on_track' END = ANY(:slas))
    ORDER BY e.priority DESC, e.opened_at, e.exception_id
    LIMIT :limit
)
SELECT e.exception_id, e.order_id, e.kind, e.subject, e.severity, e.status, e.team_id,
       t.name AS team_name, e.assignee, e.title, e.value_at_risk, e.priority, e.opened_at,
       e.due_at, e.escalation_tier, e.snoozed_until, e.acknowledged_at, e.rule,
       o.warehouse, o.region, o.customer_name, o.stage AS order_stage,
       e.condition_since,
       extract(epoch FROM (:now - coalesce(e.condition_since, e.opened_at))) / 3600.0 AS age_hours,
       CASE WHEN e.due_at IS NULL THEN NULL
            WHEN e.due_at <= :now THEN 'breached'
            WHEN e.opened_at + (e.due_at - e.opened_at) * :at_risk <= :now THEN 'at_risk'
            ELSE 'on_track' END AS sla_state
FROM picked e
LEFT JOIN orders o ON o.order_id = e.order_id
LEFT JOIN teams t ON t.team_id = e.team_id
ORDER BY e.priority DESC, e.opened_at, e.exception_id;

-- name: open_summary
-- Counts by kind, by team and by (age bucket, severity) for the same filters, in one pass.
WITH f AS (
    SELECT e.kind, e.team_id, coalesce(t.name, e.team_id) AS team_name, e.severity,
           CASE WHEN coalesce(e.condition_since, e.opened_at) > :now - interval '4 hours' THEN 1
                WHEN coalesce(e.condition_since, e.opened_at) > :now - interval '24 hours' THEN 2
                WHEN coalesce(e.condition_since, e.opened_at) > :now - interval '3 days' THEN 3
                WHEN coalesce(e.condition_since, e.opened_at) > :now - interval '7 days' THEN 4
                ELSE 5 END AS age_bucket
    FROM exceptions e
    LEFT JOIN teams t ON t.team_id = e.team_id
    WHERE e.status <> 'resolved'
      AND (CAST(:kinds AS text[]) IS NULL OR e.kind = ANY(:kinds))
      AND (CAST(:severities AS text[]) IS NULL OR e.severity = ANY(:severities))
      AND (CAST(:teams AS text[]) IS NULL OR e.team_id = ANY(:teams))
      AND (CAST(:assignees AS text[]) IS NULL OR coalesce(e.assignee, '(unassigned)') = ANY(:assignees))
      AND (CAST(:warehouses AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:warehouses)))
      AND (CAST(:scope AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:scope)))
      AND (CAST(:regions AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.region = ANY(:regions)))
      AND (CAST(:statuses AS text[]) IS NULL OR e.status = ANY(:statuses))
      AND (CAST(:orders AS text[]) IS NULL OR e.order_id = ANY(:orders))
      AND (CAST(:ids AS bigint[]) IS NULL OR e.exception_id = ANY(:ids))
      AND (CAST(:min_age_hours AS float8) IS NULL OR coalesce(e.condition_since, e.opened_at) <= :now - make_interval(secs => :min_age_hours * 3600))
      AND (CAST(:max_age_hours AS float8) IS NULL OR coalesce(e.condition_since, e.opened_at) >= :now - make_interval(secs => :max_age_hours * 3600))
      AND (CAST(:slas AS text[]) IS NULL OR
           CASE WHEN e.due_at IS NULL THEN 'none'
                WHEN e.due_at <= :now THEN 'breached'
                WHEN e.opened_at + (e.due_at - e.opened_at) * :at_risk <= :now THEN 'at_risk'
                ELSE 'on_track' END = ANY(:slas))
)
SELECT CASE WHEN GROUPING(kind) = 0 THEN 'kind'
            WHEN GROUPING(team_id) = 0 THEN 'team'
            ELSE 'aging' END AS dimension,
       kind, team_id, team_name, age_bucket, severity, count(*) AS n
FROM f
GROUP BY GROUPING SETS ((kind), (team_id, team_name), (age_bucket, severity))
ORDER BY dimension, n DESC;

-- name: facets
-- The values each filter can take among unresolved exceptions (for the filter menus).
-- Warehouses of open orders come from a loose index scan of the open-orders index (a handful
-- of warehouses among a million orders), each with the region of one of its orders.
WITH RECURSIVE wh AS (
    (SELECT warehouse FROM orders WHERE status = 'open' AND warehouse IS NOT NULL ORDER BY warehouse LIMIT 1)
    UNION ALL
    SELECT (SELECT o.warehouse FROM orders o
            WHERE o.status = 'open' AND o.warehouse > wh.warehouse ORDER BY o.warehouse LIMIT 1)
    FROM wh WHERE wh.warehouse IS NOT NULL
)
-- A limited :scope sees the values of its own warehouses' exceptions only.
, mine AS (
    SELECT e.kind, e.team_id, e.assignee FROM exceptions e
    WHERE e.status <> 'resolved'
      AND (CAST(:scope AS text[]) IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id AND o.warehouse = ANY(:scope)))
)
SELECT 'kind' AS facet, kind AS value FROM mine GROUP BY kind
UNION ALL
SELECT 'team', team_id FROM mine WHERE team_id IS NOT NULL GROUP BY team_id
UNION ALL
SELECT 'assignee', coalesce(assignee, '(unassigned)') FROM mine GROUP BY 2
UNION ALL
SELECT 'warehouse', warehouse FROM wh
WHERE warehouse IS NOT NULL AND (CAST(:scope AS text[]) IS NULL OR warehouse = ANY(:scope))
UNION ALL
SELECT DISTINCT 'region', (SELECT o.region FROM orders o WHERE o.status = 'open' AND o.warehouse = wh.warehouse
                           AND o.region IS NOT NULL LIMIT 1)
FROM wh WHERE wh.warehouse IS NOT NULL AND (CAST(:scope AS text[]) IS NULL OR wh.warehouse = ANY(:scope))
ORDER BY 1, 2;

-- name: history
SELECT ev.event_id, ev.exception_id, ev.at, ev.actor, ev.action, ev.from_status, ev.to_status,
       ev.reason, ev.comment, ev.detail, ev.policy_version
FROM exception_events ev
WHERE ev.exception_id = ANY(:ids)
ORDER BY ev.exception_id, ev.at DESC, ev.event_id DESC;

-- name: one
SELECT e.exception_id, e.order_id, e.kind, e.subject, e.severity, e.status, e.team_id,
       t.name AS team_name, e.assignee, e.title, e.detail, e.value_at_risk, e.priority,
       e.opened_at, e.condition_since, e.due_at, e.escalation_tier, e.snoozed_until, e.acknowledged_at,
       e.resolved_at, e.resolution, e.reopen_count, e.rule, o.warehouse
FROM exceptions e
LEFT JOIN teams t ON t.team_id = e.team_id
LEFT JOIN orders o ON o.order_id = e.order_id
WHERE e.exception_id = :exception_id
  AND (CAST(:scope AS text[]) IS NULL OR o.warehouse = ANY(:scope));

-- name: warehouses_of
SELECT e.exception_id, o.warehouse
FROM exceptions e
LEFT JOIN orders o ON o.order_id = e.order_id
WHERE e.exception_id = ANY(:ids);

-- name: by_ids
-- Exceptions by id whatever their status (the history panel shows just-resolved ones too).
SELECT e.exception_id, e.order_id, e.title, e.status, e.severity, o.warehouse, e.detail,
       e.policy_version, e.origin, e.snoozed_until, e.resolved_at, e.escalation_tier
FROM exceptions e
LEFT JOIN orders o ON o.order_id = e.order_id
WHERE e.exception_id = ANY(:ids)
  AND (CAST(:scope AS text[]) IS NULL OR o.warehouse = ANY(:scope))
ORDER BY e.exception_id;
