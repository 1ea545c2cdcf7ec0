-- Integration incidents: one open exception per stale source (order_id NULL, subject = source),
-- linked to the open orders whose next step waits on that source.

-- name: open_incident
WITH ins AS (
    INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, title, detail,
                            value_at_risk, priority, opened_at, due_at, escalate_at, rule,
                            fingerprint, policy_version, last_evaluated_at, updated_at, condition_since)
    VALUES (NULL, 'integration_incident', :source, :severity, 'open', :team, :title,
            CAST(:detail AS jsonb), 0, 0, :now, :due_at, :escalate_at,
            'exceptions.integration_incident', :source, :version, :now, :now, :since)
    ON CONFLICT (coalesce(order_id, ''), kind, subject) WHERE status <> 'resolved' DO NOTHING
    RETURNING exception_id
), ev AS (
    INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status,
                                  reason, detail, policy_version)
    SELECT exception_id, :now, 'rules', 'opened', NULL, 'open', 'exceptions.integration_incident',
           CAST(:detail AS jsonb), :version
    FROM ins
)
SELECT exception_id FROM ins
UNION ALL
SELECT exception_id FROM exceptions
WHERE order_id IS NULL AND kind = 'integration_incident' AND subject = :source
  AND status <> 'resolved';

-- name: hold_orders
-- Orders waiting on the stale source that no evaluation has held yet: their clock is
-- uncertain, they say how old the source's data is, and they are linked to the incident.
-- Orders held earlier were linked then, so each sweep touches only the newly held.
WITH held AS (
    UPDATE orders
    SET held_on = :source, sla_state = 'uncertain',
        waiting_on = regexp_replace(coalesce(waiting_on, ''), ' · [A-Z]+ data [0-9]+ min old$', '')
                     || ' · ' || :words
    WHERE step_system = :source AND held_on IS NULL AND status = 'open'
    RETURNING order_id
)
INSERT INTO incident_orders (exception_id, order_id)
SELECT :incident, order_id FROM held
ON CONFLICT DO NOTHING;

-- name: link_ids
INSERT INTO incident_orders (exception_id, order_id)
SELECT :incident, unnest(CAST(:ids AS text[]))
ON CONFLICT DO NOTHING;

-- name: refresh_incident
-- Value and count of the orders the outage affects, and how old the source's data is.
UPDATE exceptions e
SET value_at_risk = a.value, title = :title_prefix || ' — ' || a.n || ' open orders held',
    detail = e.detail || jsonb_build_object('orders', a.n, 'value', a.value,
                                            'age_minutes', CAST(:age AS float8)),
    last_evaluated_at = :now,
    priority = round((4 * log(10 + a.value) * (1 + e.escalation_tier))::numeric, 4)
FROM (SELECT count(*) AS n, coalesce(sum(o.value), 0) AS value
      FROM incident_orders io JOIN orders o ON o.order_id = io.order_id
      WHERE io.exception_id = :incident) a
WHERE e.exception_id = :incident;

-- name: caught_up
-- Open incidents of sources that are fresh again.
SELECT exception_id, subject FROM exceptions
WHERE order_id IS NULL AND kind = 'integration_incident' AND status <> 'resolved'
  AND subject = ANY(:fresh);

-- name: resolve_incident
WITH old AS (
    SELECT exception_id, status FROM exceptions WHERE exception_id = :incident FOR UPDATE
), upd AS (
    UPDATE exceptions e
    SET status = 'resolved', resolved_at = :now, resolution = 'auto: source caught up',
        updated_at = :now, last_evaluated_at = :now
    FROM old WHERE e.exception_id = old.exception_id AND old.status <> 'resolved'
    RETURNING e.exception_id, old.status AS from_status
)
INSERT INTO exception_events (exception_id, at, actor, action, from_status, to_status, reason,
                              detail, policy_version)
SELECT exception_id, :now, 'rules', 'resolved', from_status, 'resolved', 'source caught up',
       '{"auto": true}'::jsonb, :version
FROM upd;

-- name: release_held
-- The held evaluations run: every order the outage held goes back to the rules worker.
INSERT INTO dirty_orders (order_id, marked_at)
-- In order_id order: the lock order of ingest and the sweep (no deadlock with them).
SELECT order_id, :now FROM orders WHERE held_on = :source
ORDER BY order_id
ON CONFLICT (order_id) DO NOTHING;

-- name: source_states
SELECT source, state, stale FROM source_states;

-- name: put_source_state
INSERT INTO source_states (source, state, stale, since, updated_at)
VALUES (:source, :state, :stale, :now, :now)
ON CONFLICT (source) DO UPDATE
SET since = excluded.since, state = excluded.state, stale = excluded.stale,
    updated_at = excluded.updated_at
-- Written only when it changes (the caller reads first: an upsert locks the row even when
-- its WHERE leaves it alone, and the worker marks it too).
WHERE (source_states.state, source_states.stale) IS DISTINCT FROM (excluded.state, excluded.stale);

-- name: note_held
-- The rules worker judged orders while this source held: remember it, so the sweep re-queues
-- them once the source stops holding even if it never saw the source stale itself.
INSERT INTO source_states (source, state, stale, since, updated_at)
VALUES (:source, :state, true, :now, :now)
ON CONFLICT (source) DO UPDATE
SET state = excluded.state, stale = true, since = excluded.since, updated_at = excluded.updated_at
WHERE NOT source_states.stale;

-- name: release_judged_while_stale
-- Orders whose last evaluation held alerts back because this source was stale (the rules
-- record the stale sources in reason_facts): judged again now that it is fresh. Runs once per
-- change from held to fresh, so the scan is paid per recovery, not per sweep.
-- Not the orders judged while another source that is still stale held too: judged again now,
-- they would be held again and re-queued when that one recovers (that source's release takes
-- them). In a first start the sources catch up one after another, and every recovery but the
-- last re-evaluated the whole store for nothing, taking the cores the last stream needed.
INSERT INTO dirty_orders (order_id, marked_at)
SELECT order_id, :now FROM orders
WHERE reason_facts -> 'stale_sources' ? :source
  AND NOT (reason_facts -> 'stale_sources' ?| CAST(:still_stale AS text[]))
ON CONFLICT (order_id) DO NOTHING;
