-- Exception lifecycle actions by people (tower.store.exceptions.act) and team figures.
-- Each action locks the rows it may change, changes them, and writes one exception_events row
-- per changed exception in the same statement (who, when, what, why, policy version).

-- name: acknowledge
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status IN ('open', 'snoozed', 'on_hold') FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'acknowledged', acknowledged_at = coalesce(e.acknowledged_at, %(now)s),
            snoozed_until = NULL, resume_status = NULL,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'acknowledged', from_status, to_status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version FROM upd;

-- name: start
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status IN ('open', 'acknowledged', 'snoozed', 'on_hold') FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'in_progress', acknowledged_at = coalesce(e.acknowledged_at, %(now)s),
            snoozed_until = NULL, resume_status = NULL,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'started', from_status, to_status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version FROM upd;

-- name: assign
WITH old AS (SELECT exception_id, status, assignee FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET assignee = %(assignee)s,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version,
                  old.assignee AS previous)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'assigned', from_status, to_status, %(reason)s, %(comment)s,
       jsonb_build_object('assignee', %(assignee)s::text, 'previous', previous), policy_version FROM upd;

-- name: comment
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'commented', status, status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version
FROM exceptions WHERE exception_id = ANY(%(ids)s);

-- name: snooze
WITH old AS (SELECT exception_id, status, resume_status FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'snoozed', snoozed_until = %(snoozed_until)s,
            resume_status = CASE WHEN old.status IN ('snoozed', 'on_hold') THEN coalesce(old.resume_status, 'open') ELSE old.status END,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'snoozed', from_status, to_status, %(reason)s, %(comment)s,
       jsonb_build_object('until', %(snoozed_until)s::timestamptz), policy_version FROM upd;

-- name: hold
WITH old AS (SELECT exception_id, status, resume_status FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status <> 'resolved' AND status <> 'on_hold' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'on_hold', snoozed_until = NULL,
            resume_status = CASE WHEN old.status = 'snoozed' THEN coalesce(old.resume_status, 'open') ELSE old.status END,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'held', from_status, to_status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version FROM upd;

-- name: resolve
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(%(ids)s) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'resolved', resolved_at = %(now)s, snoozed_until = NULL,
            resume_status = NULL, resolution = coalesce(%(reason)s, %(comment)s, 'resolved'),
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'resolved', from_status, to_status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version FROM upd;

-- name: reopen
-- Only if no other exception is open for the same (order, kind, subject).
WITH old AS (SELECT x.exception_id, x.status FROM exceptions x
             WHERE x.exception_id = ANY(%(ids)s) AND x.status = 'resolved'
               AND NOT EXISTS (SELECT 1 FROM exceptions o
                               WHERE coalesce(o.order_id, '') = coalesce(x.order_id, '')
                                 AND o.kind = x.kind AND o.subject = x.subject AND o.status <> 'resolved')
             FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'open', resolved_at = NULL, resolution = NULL,
            acknowledged_at = NULL, reopen_count = e.reopen_count + 1,
            reason_code = coalesce(%(reason)s, e.reason_code), updated_at = %(now)s
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, %(now)s, %(actor)s, 'reopened', from_status, to_status, %(reason)s, %(comment)s, '{}'::jsonb, policy_version FROM upd;

-- name: team_figures
-- One row per (team, kind). open / overdue: the exceptions' state now. MTTA, MTTR and reopen
-- rate: from the audit, over exceptions opened since %(since)s.
WITH per AS (
    SELECT x.exception_id,
           min(x.at) FILTER (WHERE x.action = 'opened') AS opened_at,
           min(x.at) FILTER (WHERE x.action IN ('acknowledged', 'started')) AS acked_at,
           max(x.at) FILTER (WHERE x.action = 'resolved') AS resolved_at,
           count(*) FILTER (WHERE x.action = 'reopened') AS reopens
    FROM exception_events x
    GROUP BY x.exception_id
)
SELECT e.team_id, e.kind,
       count(*) FILTER (WHERE e.status <> 'resolved') AS open,
       count(*) FILTER (WHERE e.status <> 'resolved' AND e.due_at < %(now)s) AS overdue,
       count(*) FILTER (WHERE p.opened_at >= %(since)s) AS opened,
       avg(extract(epoch FROM p.acked_at - p.opened_at) / 60.0)
           FILTER (WHERE p.opened_at >= %(since)s AND p.acked_at IS NOT NULL) AS mtta_minutes,
       avg(extract(epoch FROM p.resolved_at - p.opened_at) / 60.0)
           FILTER (WHERE p.opened_at >= %(since)s AND e.status = 'resolved') AS mttr_minutes,
       (count(*) FILTER (WHERE p.opened_at >= %(since)s AND p.reopens > 0))::float8
           / nullif(count(*) FILTER (WHERE p.opened_at >= %(since)s), 0) AS reopen_rate
FROM exceptions e
JOIN per p ON p.exception_id = e.exception_id
WHERE e.status <> 'resolved' OR p.opened_at >= %(since)s
GROUP BY e.team_id, e.kind
ORDER BY e.team_id, e.kind;

-- name: known_user
-- An assignee must be someone who can sign in and see the exception's page.
SELECT 1 FROM users WHERE username = %(username)s AND active;
