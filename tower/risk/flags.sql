-- Flags raised by the risk model, what the decision rights let it do, and reviews by people.
-- Every change writes risk_flag_events in the same statement (the audit trail).

-- name: open_flags
SELECT flag_id, order_id, decision, exception_id FROM risk_flags
WHERE kind = :kind AND status = 'open';

-- name: insert_flags
WITH v AS (
    SELECT * FROM unnest(CAST(:order_id AS text[]), CAST(:score AS real[]), CAST(:band AS text[]),
                         CAST(:decision AS text[]), CAST(:rule AS text[]), CAST(:reasons AS text[]))
        AS v(order_id, score, band, decision, rule, reasons)
), ins AS (
    INSERT INTO risk_flags (order_id, kind, model_version, score, threshold, band, decision,
                            policy_rule, policy_version, reasons, raised_at, team_id)
    SELECT v.order_id, :kind, :model_version, v.score, :threshold, v.band, v.decision, v.rule,
           :policy_version, v.reasons::jsonb, :now, :team
    FROM v
    ON CONFLICT (order_id, kind) WHERE status = 'open' DO NOTHING
    RETURNING flag_id, order_id, score, band, decision, policy_rule
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, detail, model_version, policy_version)
SELECT flag_id, :now, 'model:' || :model_version, 'raised', policy_rule,
       jsonb_build_object('score', score, 'threshold', :threshold, 'band', band,
                          'decision', decision, 'rule', policy_rule, 'model_version', :model_version),
       :model_version, :policy_version
FROM ins
RETURNING flag_id;

-- name: flags_of_orders
SELECT flag_id, order_id, score, band, decision, policy_rule FROM risk_flags
WHERE kind = :kind AND status = 'open' AND order_id = ANY(:ids);

-- name: raise_exceptions
-- The early-warning exception an `act` or `escalate` right allows, naming the model version,
-- score, threshold and rule in its detail and in its audit row.
WITH v AS (
    SELECT * FROM unnest(CAST(:flag_id AS bigint[]), CAST(:severity AS text[]), CAST(:title AS text[]),
                         CAST(:detail AS text[]))
        AS v(flag_id, severity, title, detail)
), ins AS (
    INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, title, detail,
                            value_at_risk, priority, opened_at, due_at, rule, fingerprint,
                            policy_version, last_evaluated_at, updated_at)
    SELECT f.order_id, :kind, '', v.severity, 'open', :team, v.title, v.detail::jsonb,
           coalesce(o.value, 0),
           round(((CASE v.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
                  * log(10 + greatest(coalesce(o.value, 0), 0)))::numeric, 4),
           :now, :now + CAST(:sla_hours AS float8) * interval '1 hour', f.policy_rule, 'model:' || f.model_version,
           :policy_version, :now, :now
    FROM v JOIN risk_flags f ON f.flag_id = v.flag_id
    LEFT JOIN orders o ON o.order_id = f.order_id
    ON CONFLICT (coalesce(order_id, ''), kind, subject) WHERE status <> 'resolved' DO NOTHING
    RETURNING exception_id, order_id, severity, detail
), linked AS (
    UPDATE risk_flags f SET exception_id = ins.exception_id
    FROM ins WHERE f.order_id = ins.order_id AND f.kind = :kind AND f.status = 'open'
    RETURNING f.flag_id, ins.exception_id
), audit AS (
    INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                                  detail, policy_version)
    SELECT exception_id, :now, 'model:' || :model_version, 'opened', NULL, 'open', detail ->> 'rule',
           detail, :policy_version
    FROM ins
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, detail, model_version, policy_version)
SELECT l.flag_id, :now, 'model:' || :model_version, 'acted', 'raised exception',
       jsonb_build_object('exception_id', l.exception_id), :model_version, :policy_version
FROM linked l;

-- name: upgrade
-- A flag whose new score falls in a band with a stronger right takes that right.
WITH v AS (
    SELECT * FROM unnest(CAST(:flag_id AS bigint[]), CAST(:score AS real[]), CAST(:band AS text[]),
                         CAST(:decision AS text[]), CAST(:rule AS text[]))
        AS v(flag_id, score, band, decision, rule)
), upd AS (
    UPDATE risk_flags f SET score = v.score, band = v.band, decision = v.decision,
                            policy_rule = v.rule, model_version = :model_version
    FROM v WHERE f.flag_id = v.flag_id AND f.status = 'open'
    RETURNING f.flag_id, v.score, v.band, v.decision, v.rule
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, detail, model_version, policy_version)
SELECT flag_id, :now, 'model:' || :model_version, 'upgraded', rule,
       jsonb_build_object('score', score, 'threshold', :threshold, 'band', band,
                          'decision', decision, 'rule', rule, 'model_version', :model_version),
       :model_version, :policy_version
FROM upd;

-- name: expire
-- Flags of orders that are delivered, cancelled or gone: closed, and the exception they raised
-- resolved (the order no longer waits for anything the flag was about).
WITH gone AS (
    SELECT f.flag_id, f.exception_id, f.model_version FROM risk_flags f
    LEFT JOIN orders o ON o.order_id = f.order_id
    WHERE f.kind = :kind AND f.status = 'open'
      AND (o.order_id IS NULL OR o.status <> 'open' OR o.stage IN ('delivered', 'invoiced', 'paid'))
    FOR UPDATE OF f
), upd AS (
    UPDATE risk_flags f SET status = 'expired' FROM gone WHERE f.flag_id = gone.flag_id
    RETURNING f.flag_id, f.model_version
), ex AS (
    UPDATE exceptions e SET status = 'resolved', resolved_at = :now, resolution = 'auto: order moved on',
                            updated_at = :now
    FROM gone WHERE e.exception_id = gone.exception_id AND e.status <> 'resolved'
    RETURNING e.exception_id, gone.model_version
), ex_audit AS (
    INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                                  detail, policy_version)
    SELECT exception_id, :now, 'model:' || model_version, 'resolved', NULL, 'resolved',
           'order moved on', '{"auto": true}'::jsonb, :policy_version
    FROM ex
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, detail, model_version, policy_version)
SELECT flag_id, :now, 'model:' || model_version, 'expired', 'order delivered, cancelled or gone',
       '{}'::jsonb, model_version, :policy_version
FROM upd;

-- name: review
-- A person's verdict on open flags: accepted or dismissed with a reason from the list.
WITH old AS (
    SELECT flag_id FROM risk_flags WHERE flag_id = ANY(:ids) AND status = 'open' FOR UPDATE
), upd AS (
    UPDATE risk_flags f SET status = :status, reviewed_by = :actor, reviewed_at = :now,
                            review_reason = :reason, review_comment = :comment
    FROM old WHERE f.flag_id = old.flag_id
    RETURNING f.flag_id, f.model_version, f.score, f.threshold, f.policy_rule, f.decision
)
INSERT INTO risk_flag_events (flag_id, at, actor, action, reason, comment, detail, model_version,
                              policy_version)
SELECT flag_id, :now, :actor, :action, :reason, :comment,
       jsonb_build_object('score', score, 'threshold', threshold, 'rule', policy_rule,
                          'decision', decision),
       model_version, :policy_version
FROM upd
RETURNING flag_id;

-- name: kinds_of
SELECT DISTINCT kind FROM risk_flags WHERE flag_id = ANY(:ids);
