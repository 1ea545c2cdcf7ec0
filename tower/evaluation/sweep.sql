-- The periodic sweep: set-based statements over the orders and exceptions whose clocks crossed
-- a threshold (index range scans on next_check_at / due_at / snoozed_until), never a rescan.

-- name: queue_and_move_due
-- Orders whose clock crossed a threshold (a plain range on next_check_at, its index, not a
-- join, so 1M orders are never hashed): queue them for the rules worker, which raises the
-- exceptions and sets the next check, and move sla_state at once (pages read it).
-- Lock order: ingest marks dirty_orders (sorted by order id) before it rewrites `orders`, so
-- the sweep does the same — dirty_orders first, by order id, taking each row's lock even when
-- the mark exists already (DO UPDATE, not DO NOTHING), then only those orders. Moving
-- `orders` first deadlocked with ingest (DeadlockDetected, seen live).
WITH queued AS (
    INSERT INTO dirty_orders AS d (order_id, marked_at)
    SELECT order_id, :now FROM orders
    WHERE next_check_at <= :now AND held_on IS NULL
    ORDER BY order_id
    ON CONFLICT (order_id) DO UPDATE SET marked_at = d.marked_at
    RETURNING d.order_id, (d.xmax = 0) AS fresh
), moved AS (
    UPDATE orders o
    SET sla_state = CASE WHEN :now >= o.due_at THEN 'breached'
                         WHEN :now >= o.at_risk_at THEN 'at_risk' ELSE o.sla_state END
    FROM queued q
    WHERE o.order_id = q.order_id AND o.status = 'open' AND o.due_at IS NOT NULL
      AND o.next_check_at <= :now AND o.held_on IS NULL
      AND o.sla_state IS DISTINCT FROM (CASE WHEN :now >= o.due_at THEN 'breached'
                                             WHEN :now >= o.at_risk_at THEN 'at_risk'
                                             ELSE o.sla_state END)
    RETURNING o.order_id
)
SELECT count(*) FILTER (WHERE fresh) AS queued, (SELECT count(*) FROM moved) AS moved FROM queued;

-- name: escalate
-- Past 100 percent of its SLA: to the team lead (tier 1); past 150 percent: the manager (tier 2).
WITH up AS (
    SELECT exception_id, escalation_tier AS old_tier,
           CASE WHEN :now >= escalate_at THEN 2 ELSE 1 END AS tier
    FROM exceptions
    WHERE status IN ('open', 'acknowledged', 'in_progress') AND escalation_tier < 2
      AND due_at <= :now
      AND (CASE WHEN :now >= escalate_at THEN 2 ELSE 1 END) > escalation_tier
    FOR UPDATE
), upd AS (
    UPDATE exceptions e
    SET escalation_tier = up.tier, updated_at = :now,
        priority = round(((CASE e.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                      * log(10 + greatest(e.value_at_risk, 0))
                      * (1 + up.tier
                         + least(greatest(1 - floor(extract(epoch FROM (e.due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4)
    FROM up WHERE e.exception_id = up.exception_id
    RETURNING e.exception_id, e.status, e.team_id, e.rule, e.policy_version, up.tier, up.old_tier
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT u.exception_id, :now, 'rules', 'escalated', u.status, u.status, u.rule,
       jsonb_build_object('tier', u.tier, 'from_tier', u.old_tier,
                          'to', CASE WHEN u.tier = 2 THEN t.manager_name ELSE t.lead_name END,
                          'role', CASE WHEN u.tier = 2 THEN 'manager' ELSE 'team lead' END),
       u.policy_version
FROM upd u LEFT JOIN teams t ON t.team_id = u.team_id;

-- name: unsnooze
WITH old AS (
    SELECT exception_id, status, resume_status FROM exceptions
    WHERE status = 'snoozed' AND snoozed_until <= :now
    FOR UPDATE
), upd AS (
    UPDATE exceptions e
    SET status = coalesce(old.resume_status, 'open'), snoozed_until = NULL,
        resume_status = NULL, updated_at = :now
    FROM old WHERE e.exception_id = old.exception_id
    RETURNING e.exception_id, e.status, e.policy_version
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'rules', 'unsnoozed', 'snoozed', status, 'snooze ended',
       '{}'::jsonb, policy_version
FROM upd;

-- name: reprioritise
-- First sweep (no earlier one recorded): priority rises hour by hour as the due time nears (same formula as tower/rules/context.py
-- `priority`); only exceptions inside the last 24 hours before due (or past it, below tier 2)
-- whose hour ticked over are rewritten.
UPDATE exceptions e
SET priority = round(((CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                      * log(10 + greatest(value_at_risk, 0))
                      * (1 + escalation_tier
                         + least(greatest(1 - floor(extract(epoch FROM (due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4)
WHERE status <> 'resolved' AND escalation_tier < 2 AND due_at <= :now + interval '24 hours'
  AND order_id IS NOT NULL
  AND priority <> round(((CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                         * log(10 + greatest(value_at_risk, 0))
                         * (1 + escalation_tier
                            + least(greatest(1 - floor(extract(epoch FROM (due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4);

-- name: record
INSERT INTO rules_sweeps (swept_at, orders_due, escalated, unsnoozed, stale_sources, seconds)
VALUES (:now, :due, :escalated, :unsnoozed, :stale, :seconds)
ON CONFLICT (swept_at) DO NOTHING;

-- name: reprioritise_ticks
-- Steady state: only exceptions whose whole hours-to-due changed since the last sweep, i.e.
-- whose due time lies k hours after a moment in [last sweep, now) for some k in 0..24 — 25
-- narrow range scans of the due_at index instead of the whole 24-hour window.
UPDATE exceptions e
SET priority = round(((CASE e.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                      * log(10 + greatest(e.value_at_risk, 0))
                      * (1 + e.escalation_tier
                         + least(greatest(1 - floor(extract(epoch FROM (e.due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4)
FROM generate_series(0, 24) AS k
WHERE e.due_at >= :last + k * interval '1 hour' AND e.due_at < :now + k * interval '1 hour'
  AND e.status <> 'resolved' AND e.escalation_tier < 2 AND e.order_id IS NOT NULL;

-- name: last_sweep
SELECT max(swept_at) FROM rules_sweeps WHERE swept_at < :now;
