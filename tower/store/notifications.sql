-- The notification outbox (migration 0017): events to route, deliveries to send, dead letters.
-- Claims use FOR UPDATE SKIP LOCKED so several background processes can share the work and a
-- delivery being sent is never joined or replayed under the sender's feet.

-- name: claim_events
SELECT event_id, event_uuid::text AS event_uuid, exception_id, kind, tier, at, actor, facts
FROM notification_events
WHERE routed_at IS NULL
ORDER BY event_id
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: mark_routed
UPDATE notification_events e SET routed_at = :now, outcome = v.outcome
FROM unnest(CAST(:ids AS bigint[]), CAST(:outcomes AS text[])) AS v(event_id, outcome)
WHERE e.event_id = v.event_id AND e.event_id = ANY(CAST(:ids AS bigint[]));

-- name: joinable
-- An alert to the same recipient that is still collecting (never tried, never replayed), will
-- go no earlier than these events may (quiet hours) and no later than they would on their own
-- (so joining never delays anything), and has room for them.
SELECT d.delivery_id FROM notification_deliveries d
WHERE d.status = 'pending' AND d.attempts = 0 AND d.replays = 0 AND d.purpose = 'alert'
  AND d.claimed_at IS NULL
  AND d.channel = :channel AND d.target = :target
  AND d.send_after >= :earliest AND d.send_after <= :send_after
  AND (CAST(:room AS integer) IS NULL
       OR (SELECT count(*) FROM notification_delivery_events x WHERE x.delivery_id = d.delivery_id)
          + :n <= CAST(:room AS integer))
ORDER BY d.send_after
LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: new_delivery
INSERT INTO notification_deliveries (purpose, channel, target, team_id, rule, created_at,
                                     earliest_at, send_after, content, digest_key)
VALUES (:purpose, :channel, :target, :team, :rule, :now, :earliest, :send_after,
        CAST(:content AS jsonb), :digest_key)
ON CONFLICT (digest_key) DO NOTHING
RETURNING delivery_id;

-- name: link_events
INSERT INTO notification_delivery_events (delivery_id, event_id)
SELECT :delivery_id, unnest(CAST(:event_ids AS bigint[]))
ON CONFLICT DO NOTHING;

-- name: claim_due
-- Due deliveries, claimed until :lease_until (committed at once: sending happens outside).
WITH due AS (
    SELECT delivery_id FROM notification_deliveries
    WHERE status = 'pending' AND send_after <= :now
    ORDER BY send_after, delivery_id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE notification_deliveries d
SET claimed_at = :now, send_after = :lease_until
FROM due WHERE d.delivery_id = due.delivery_id
RETURNING d.delivery_id, d.delivery_uuid::text AS delivery_uuid, d.purpose, d.channel, d.target,
          d.team_id, d.rule, d.attempts, d.created_at, d.content, d.replays;

-- name: delivery_events
SELECT e.event_id, e.event_uuid::text AS event_uuid, e.exception_id, e.kind, e.tier, e.at, e.actor, e.facts
FROM notification_delivery_events l JOIN notification_events e ON e.event_id = l.event_id
WHERE l.delivery_id = :delivery_id
ORDER BY e.at, e.event_id;

-- name: sent
UPDATE notification_deliveries
SET status = 'sent', sent_at = :now, attempts = attempts + 1, last_attempt_at = :now, last_error = NULL,
    claimed_at = NULL
WHERE delivery_id = :delivery_id AND status = 'pending';

-- name: failed
-- retry_at NULL: the attempts are spent, the delivery becomes a dead letter.
UPDATE notification_deliveries
SET attempts = attempts + 1, last_attempt_at = :now, last_error = :error,
    status = CASE WHEN CAST(:retry_at AS timestamptz) IS NULL THEN 'dead' ELSE 'pending' END,
    send_after = coalesce(CAST(:retry_at AS timestamptz), send_after), claimed_at = NULL
WHERE delivery_id = :delivery_id AND status = 'pending'
RETURNING status;

-- name: replay
-- Dead letters go back to the outbox with their attempts counted afresh; SKIP LOCKED leaves
-- alone one that a sender holds right now.
WITH dead AS (
    SELECT delivery_id FROM notification_deliveries
    WHERE delivery_id = ANY(:ids) AND status = 'dead'
    FOR UPDATE SKIP LOCKED
)
UPDATE notification_deliveries d
SET status = 'pending', attempts = 0, send_after = :now, claimed_at = NULL, replays = d.replays + 1,
    replayed_by = :actor, replayed_at = :now
FROM dead WHERE d.delivery_id = dead.delivery_id;

-- name: digest_made
SELECT 1 FROM notification_deliveries WHERE digest_key LIKE :prefix || '%' LIMIT 1;

-- name: purge
-- Sent deliveries older than :before go, with their event links; events routed before it
-- that no remaining delivery carries go too (an event whose delivery goes in this statement
-- still counts as carried here — one snapshot — and goes next time). Dead letters and what
-- they carry stay until they are replayed and sent.
WITH old AS (
    SELECT delivery_id FROM notification_deliveries
    WHERE status = 'sent' AND sent_at < :before
    ORDER BY delivery_id
    LIMIT :limit
), links AS (
    DELETE FROM notification_delivery_events l USING old WHERE l.delivery_id = old.delivery_id
), gone AS (
    DELETE FROM notification_deliveries d USING old WHERE d.delivery_id = old.delivery_id
    RETURNING 1
), events AS (
    DELETE FROM notification_events e
    WHERE e.routed_at < :before
      AND NOT EXISTS (SELECT 1 FROM notification_delivery_events l WHERE l.event_id = e.event_id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS deliveries, (SELECT count(*) FROM events) AS events;
