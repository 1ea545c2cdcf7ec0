-- Exceptions of a batch: open new ones, refresh open ones, reopen recurrences, auto-resolve
-- cleared ones. Every status change writes exception_events in the same statement.
-- Parameters go binary (sqlfiles.load_psycopg(..., binary=True)): text arrays sent as text
-- would be escaped string by string in Python, which costs more than the UPDATE itself for
-- a 5k batch.
-- PRIORITY is the formula of tower/rules/context.py `priority`, in SQL over stored columns.

-- name: existing
-- Per (order, kind, subject): the open exception if there is one, else the latest resolved.
SELECT DISTINCT ON (order_id, kind, subject)
       exception_id, order_id, kind, subject, status, fingerprint, resolution, origin
FROM exceptions
WHERE order_id = ANY(:ids)
ORDER BY order_id, kind, subject, (status <> 'resolved') DESC, exception_id DESC;

-- name: insert
WITH v AS (
    SELECT * FROM unnest(CAST(:order_id AS text[]), CAST(:kind AS text[]), CAST(:subject AS text[]),
                         CAST(:severity AS text[]), CAST(:team_id AS text[]), CAST(:title AS text[]),
                         CAST(:detail AS text[]), CAST(:value_at_risk AS numeric[]),
                         CAST(:due_at AS timestamptz[]), CAST(:escalate_at AS timestamptz[]),
                         CAST(:rule AS text[]), CAST(:fingerprint AS text[]), CAST(:since AS timestamptz[]))
        AS v(order_id, kind, subject, severity, team_id, title, detail, value_at_risk, due_at,
             escalate_at, rule, fingerprint, since)
), tiered AS (
    SELECT v.*, CASE WHEN :now >= escalate_at THEN 2 WHEN :now >= due_at THEN 1 ELSE 0 END AS tier
    FROM v
), ins AS (
    INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, title, detail,
                            value_at_risk, priority, opened_at, due_at, escalate_at,
                            escalation_tier, rule, fingerprint, policy_version,
                            last_evaluated_at, updated_at, condition_since)
    SELECT order_id, kind, subject, severity, 'open', team_id, title, detail::jsonb, value_at_risk,
           round(((CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                  * log(10 + greatest(value_at_risk, 0))
                  * (1 + tier + least(greatest(1 - floor(extract(epoch FROM (due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4),
           :now, due_at, escalate_at, tier, rule, fingerprint, :version, :now, :now, since
    FROM tiered
    ON CONFLICT (coalesce(order_id, ''), kind, subject) WHERE status <> 'resolved' DO NOTHING
    RETURNING exception_id, rule, escalation_tier, team_id, severity
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'rules', 'opened', NULL, 'open', rule,
       jsonb_build_object('severity', severity, 'team', team_id, 'escalation_tier', escalation_tier),
       :version
FROM ins
UNION ALL
SELECT i.exception_id, :now, 'rules', 'escalated', 'open', 'open', i.rule,
       jsonb_build_object('tier', i.escalation_tier, 'to',
                          CASE WHEN i.escalation_tier = 2 THEN t.manager_name ELSE t.lead_name END,
                          'role', CASE WHEN i.escalation_tier = 2 THEN 'manager' ELSE 'team lead' END),
       :version
FROM ins i LEFT JOIN teams t ON t.team_id = i.team_id
WHERE i.escalation_tier > 0;

-- name: refresh
-- Open exceptions whose condition still holds and whose facts changed: new facts, value and
-- priority; no audit row (nothing about the exception's lifecycle changed).
UPDATE exceptions e
SET title = v.title, detail = v.detail::jsonb, value_at_risk = v.value_at_risk,
    severity = v.severity, fingerprint = v.fingerprint, last_evaluated_at = :now,
    policy_version = :version, condition_since = v.since,
    priority = round(((CASE v.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                      * log(10 + greatest(v.value_at_risk, 0))
                      * (1 + e.escalation_tier
                         + least(greatest(1 - floor(extract(epoch FROM (e.due_at - :now)) / 3600.0) / 24.0, 0), 1)))::numeric, 4)
FROM unnest(CAST(:exception_id AS bigint[]), CAST(:title AS text[]), CAST(:detail AS text[]),
            CAST(:value_at_risk AS numeric[]), CAST(:severity AS text[]), CAST(:fingerprint AS text[]),
            CAST(:since AS timestamptz[]))
     AS v(exception_id, title, detail, value_at_risk, severity, fingerprint, since)
WHERE e.exception_id = v.exception_id AND e.status <> 'resolved'
  AND e.exception_id = ANY(CAST(:exception_id AS bigint[]))  -- reach rows by key, never hash the table
  -- unchanged facts: leave the row alone (no churn, no trigger work downstream)
  AND (e.fingerprint, e.title, e.value_at_risk, e.severity, e.condition_since)
      IS DISTINCT FROM (v.fingerprint, v.title, v.value_at_risk, v.severity, v.since);

-- name: reopen
WITH v AS (
    SELECT * FROM unnest(CAST(:exception_id AS bigint[]), CAST(:title AS text[]), CAST(:detail AS text[]),
                         CAST(:value_at_risk AS numeric[]), CAST(:due_at AS timestamptz[]),
                         CAST(:escalate_at AS timestamptz[]), CAST(:fingerprint AS text[]),
                         CAST(:since AS timestamptz[]))
        AS v(exception_id, title, detail, value_at_risk, due_at, escalate_at, fingerprint, since)
), upd AS (
    UPDATE exceptions e
    SET status = 'open', resolved_at = NULL, resolution = NULL, acknowledged_at = NULL,
        snoozed_until = NULL, reopen_count = e.reopen_count + 1, title = v.title,
        detail = v.detail::jsonb, value_at_risk = v.value_at_risk, due_at = v.due_at,
        escalate_at = v.escalate_at,
        escalation_tier = CASE WHEN :now >= v.escalate_at THEN 2 WHEN :now >= v.due_at THEN 1 ELSE 0 END,
        fingerprint = v.fingerprint, policy_version = :version, last_evaluated_at = :now,
        updated_at = :now, condition_since = v.since
    FROM v
    WHERE e.exception_id = v.exception_id AND e.status = 'resolved'
      AND e.exception_id = ANY(CAST(:exception_id AS bigint[]))
      AND NOT EXISTS (SELECT 1 FROM exceptions o
                      WHERE coalesce(o.order_id, '') = coalesce(e.order_id, '') AND o.kind = e.kind
                        AND o.subject = e.subject AND o.status <> 'resolved')
    RETURNING e.exception_id, e.rule, e.escalation_tier
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'rules', 'reopened', 'resolved', 'open', 'condition recurred',
       jsonb_build_object('rule', rule, 'escalation_tier', escalation_tier), :version
FROM upd;

-- name: auto_resolve
WITH old AS (
    SELECT exception_id, status FROM exceptions
    WHERE exception_id = ANY(:ids) AND status <> 'resolved'
    FOR UPDATE
), upd AS (
    UPDATE exceptions e
    SET status = 'resolved', resolved_at = :now, resolution = 'auto: condition cleared',
        snoozed_until = NULL, last_evaluated_at = :now, updated_at = :now,
        policy_version = :version
    FROM old WHERE e.exception_id = old.exception_id
    RETURNING e.exception_id, old.status AS from_status
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'rules', 'resolved', from_status, 'resolved', 'condition cleared',
       '{"auto": true}'::jsonb, :version
FROM upd;

-- name: record_history
-- Exceptions whose whole life lies in the past: stored resolved, with their true open and
-- close times and origin 'history', and one audit row saying so (never 'opened'/'escalated').
WITH v AS (
    SELECT * FROM unnest(CAST(:order_id AS text[]), CAST(:kind AS text[]), CAST(:subject AS text[]),
                         CAST(:severity AS text[]), CAST(:team_id AS text[]), CAST(:title AS text[]),
                         CAST(:detail AS text[]), CAST(:opened_at AS timestamptz[]),
                         CAST(:closed_at AS timestamptz[]))
        AS v(order_id, kind, subject, severity, team_id, title, detail, opened_at, closed_at)
), ins AS (
    INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, title, detail,
                            value_at_risk, priority, opened_at, due_at, escalate_at,
                            escalation_tier, resolved_at, resolution, rule, fingerprint,
                            policy_version, last_evaluated_at, updated_at, origin, condition_since)
    SELECT order_id, kind, subject, severity, 'resolved', team_id, title, detail::jsonb, 0, 0,
           opened_at, NULL, NULL, 0, closed_at, 'history: opened and closed before tower saw the facts',
           'exceptions.' || kind, NULL, :version, :now, :now, 'history', opened_at
    FROM v
    RETURNING exception_id, opened_at, resolved_at
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'history', 'recorded', NULL, 'resolved', 'whole life in the past',
       jsonb_build_object('opened_at', opened_at, 'closed_at', resolved_at), :version
FROM ins;
