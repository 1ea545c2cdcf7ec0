-- Outbound notifications: an outbox of exception events, the deliveries made of them (e-mail,
-- webhook), and which events each delivery carries.
--
-- Why a trigger on exception_events: every change of an exception's life that people or the
-- rules make (opened, reopened, escalated, resolved) already writes one exception_events row in
-- the same statement as the change (tower/evaluation/*.sql, tower/store/exceptions.sql). A
-- statement-level trigger there writes the outbox row in that same transaction on every path
-- — the rules worker, the sweep, integration incidents, a person on a page, the API — so an
-- event can neither be lost (the change committed, the notification not) nor sent for a change
-- that rolled back. The background process routes and sends it (tower/notify/).
CREATE TABLE notification_events (
    event_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_uuid    uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,   -- receivers dedupe on it
    audit_id      bigint NOT NULL,                                  -- the exception_events row
    exception_id  bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('raised', 'escalated', 'breached', 'resolved')),
    tier          smallint,                                         -- escalated: 1 lead, 2 manager
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    -- What the exception was at that moment (its row may change before the event is sent).
    facts         jsonb NOT NULL,
    routed_at     timestamptz,                                      -- NULL: not routed yet
    outcome       text                                              -- what routing did, in words
);
CREATE INDEX notification_events_to_route ON notification_events (event_id) WHERE routed_at IS NULL;
CREATE INDEX notification_events_by_exception ON notification_events (exception_id);

CREATE FUNCTION notification_events_from_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- 'escalated' rows name the tier reached and, from the sweep, the tier before
    -- ('from_tier'; absent = 0, as when an exception opens already past its due time).
    -- Leaving tier 0 is the breach of the exception's SLA, so it writes 'breached' too.
    INSERT INTO notification_events (audit_id, exception_id, kind, tier, at, actor, facts)
    SELECT a.event_id, a.exception_id, k.kind,
           CASE WHEN k.kind = 'escalated' THEN (a.detail->>'tier')::smallint END,
           a.at, a.actor,
           jsonb_build_object('exception_kind', x.kind, 'subject', x.subject, 'severity', x.severity,
                              'team', x.team_id, 'title', x.title, 'order_id', x.order_id,
                              'warehouse', o.warehouse, 'customer', o.customer_name,
                              'value', x.value_at_risk, 'status', x.status, 'due_at', x.due_at,
                              'escalated_to', a.detail->>'to', 'role', a.detail->>'role',
                              'reason', a.reason)
    FROM new_audit a
    JOIN exceptions x ON x.exception_id = a.exception_id AND x.origin = 'live'
    LEFT JOIN orders o ON o.order_id = x.order_id
    CROSS JOIN LATERAL (
        SELECT 'raised' AS kind WHERE a.action IN ('opened', 'reopened')
        UNION ALL SELECT 'escalated' WHERE a.action = 'escalated'
        UNION ALL SELECT 'breached' WHERE a.action = 'escalated'
                                      AND coalesce((a.detail->>'from_tier')::int, 0) = 0
        UNION ALL SELECT 'resolved' WHERE a.action = 'resolved'
    ) k;
    RETURN NULL;
END $$;

CREATE TRIGGER exception_events_notify AFTER INSERT ON exception_events
    REFERENCING NEW TABLE AS new_audit
    FOR EACH STATEMENT EXECUTE FUNCTION notification_events_from_audit();

-- One message to one recipient: an alert carrying one or more events (a burst within the
-- grouping window, or what quiet hours held), or a team's daily digest. Retried with back-off
-- until sent or dead (a dead letter, replayable on /integrations). A sender claims a delivery
-- in a short transaction (claimed_at, send_after = when the claim lapses), sends outside any
-- transaction, and records the outcome in another: no transaction stays open across the
-- network (one would hold back the change feed), and a sender that dies mid-send leaves a
-- claim that lapses and is sent again (at least once).
CREATE TABLE notification_deliveries (
    delivery_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_uuid   uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,  -- the same on every retry
    purpose         text NOT NULL CHECK (purpose IN ('alert', 'digest')),
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
    target          text NOT NULL,        -- an e-mail address, or a webhook endpoint's name
    team_id         text,
    rule            text,                 -- the policy rule (alerts) that made it
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    created_at      timestamptz NOT NULL,
    earliest_at     timestamptz NOT NULL, -- not before (quiet hours end); events joining must allow it
    send_after      timestamptz NOT NULL, -- the next attempt (while claimed: when the claim lapses)
    claimed_at      timestamptz,          -- a sender took it; it carries no new events from then on
    attempts        integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_error      text,
    sent_at         timestamptz,
    digest_key      text UNIQUE,          -- team + day: one digest per team and day
    content         jsonb,                -- a digest's figures, fixed when it is made
    replays         integer NOT NULL DEFAULT 0,
    replayed_by     text,
    replayed_at     timestamptz
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (send_after) WHERE status = 'pending';
CREATE INDEX notification_deliveries_open_by_target ON notification_deliveries (channel, target)
    WHERE status = 'pending' AND attempts = 0;
CREATE INDEX notification_deliveries_dead ON notification_deliveries (last_attempt_at) WHERE status = 'dead';

CREATE TABLE notification_delivery_events (
    delivery_id bigint NOT NULL REFERENCES notification_deliveries (delivery_id),
    event_id    bigint NOT NULL REFERENCES notification_events (event_id),
    PRIMARY KEY (delivery_id, event_id)
);
CREATE INDEX notification_delivery_events_by_event ON notification_delivery_events (event_id);
