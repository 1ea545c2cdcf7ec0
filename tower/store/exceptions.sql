-- Exception lifecycle actions by people (tower.store.exceptions.act) and team figures.
-- Each action locks the rows it may change, changes them, and writes one exception_events row
-- per changed exception in the same statement (who, when, what, why, policy version).

-- name: acknowledge
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(:ids) AND status IN ('open', 'snoozed', 'on_hold') FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'acknowledged', acknowledged_at = coalesce(e.acknowledged_at, :now),
            snoozed_until = NULL, resume_status = NULL,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'acknowledged', from_status, to_status, :reason, :comment, '{}'::jsonb, policy_version FROM upd;

-- name: start
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(:ids) AND status IN ('open', 'acknowledged', 'snoozed', 'on_hold') FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'in_progress', acknowledged_at = coalesce(e.acknowledged_at, :now),
            snoozed_until = NULL, resume_status = NULL,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'started', from_status, to_status, :reason, :comment, '{}'::jsonb, policy_version FROM upd;

-- name: assign
WITH old AS (SELECT exception_id, status, assignee FROM exceptions
             WHERE exception_id = ANY(:ids) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET assignee = :assignee,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version,
                  old.assignee AS previous)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'assigned', from_status, to_status, :reason, :comment,
       jsonb_build_object('assignee', CAST(:assignee AS text), 'previous', previous), policy_version FROM upd;

-- name: comment
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'commented', status, status, :reason, :comment, '{}'::jsonb, policy_version
FROM exceptions WHERE exception_id = ANY(:ids);

-- name: snooze
WITH old AS (SELECT exception_id, status, resume_status FROM exceptions
             WHERE exception_id = ANY(:ids) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'snoozed', snoozed_until = :snoozed_until,
            resume_status = CASE WHEN old.status IN ('snoozed', 'on_hold') THEN coalesce(old.resume_status, 'open') ELSE old.status END,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'snoozed', from_status, to_status, :reason, :comment,
       jsonb_build_object('until', CAST(:snoozed_until AS timestamptz)), policy_version FROM upd;

-- name: hold
WITH old AS (SELECT exception_id, status, resume_status FROM exceptions
             WHERE exception_id = ANY(:ids) AND status <> 'resolved' AND status <> 'on_hold' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'on_hold', snoozed_until = NULL,
            resume_status = CASE WHEN old.status = 'snoozed' THEN coalesce(old.resume_status, 'open') ELSE old.status END,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'held', from_status, to_status, :reason, :comment, '{}'::jsonb, policy_version FROM upd;

-- name: resolve
WITH old AS (SELECT exception_id, status FROM exceptions
             WHERE exception_id = ANY(:ids) AND status <> 'resolved' FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'resolved', resolved_at = :now, snoozed_until = NULL,
            resume_status = NULL, resolution = coalesce(:reason, :comment, 'resolved'),
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'resolved', from_status, to_status, :reason, :comment, '{}'::jsonb, policy_version FROM upd;

-- name: reopen
-- Only if no other exception is open for the same (order, kind, subject).
WITH old AS (SELECT x.exception_id, x.status FROM exceptions x
             WHERE x.exception_id = ANY(:ids) AND x.status = 'resolved'
               AND NOT EXISTS (SELECT 1 FROM exceptions o
                               WHERE coalesce(o.order_id, '') = coalesce(x.order_id, '')
                                 AND o.kind = x.kind AND o.subject = x.subject AND o.status <> 'resolved')
             FOR UPDATE),
upd AS (UPDATE exceptions e SET status = 'open', resolved_at = NULL, resolution = NULL,
            acknowledged_at = NULL, reopen_count = e.reopen_count + 1,
            reason_code = coalesce(:reason, e.reason_code), updated_at = :now
        FROM old WHERE e.exception_id = old.exception_id
        RETURNING e.exception_id, old.status AS from_status, e.status AS to_status, e.policy_version)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason, comment, detail, policy_version)
SELECT exception_id, :now, :actor, 'reopened', from_status, to_status, :reason, :comment, '{}'::jsonb, policy_version FROM upd;

-- name: known_user
-- An assignee must be someone who can sign in and see the exception's page.
SELECT 1 FROM users WHERE username = :username AND active;
