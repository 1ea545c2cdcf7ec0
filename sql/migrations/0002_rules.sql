-- The rules' state: policy versions, SLA clock instants per order (for a set-based sweep),
-- per-line decisions, exception lifecycle fields, source freshness thresholds, sweep log.

-- Every policy the rules ran under, by version (version = file's version + content hash).
CREATE TABLE policy_versions (
    version     text PRIMARY KEY,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    source_text text NOT NULL
);

-- SLA instants of the order's current step, so the sweep finds orders whose clock crossed a
-- threshold with an index range scan instead of re-running the rules over every open order.
ALTER TABLE orders
    ADD COLUMN at_risk_at    timestamptz,
    ADD COLUMN escalate_at   timestamptz,             -- 150%: escalated to the manager
    ADD COLUMN step_system   text,                    -- the source whose data would move it on
    ADD COLUMN held_on       text,                    -- the stale source holding its clock
    ADD COLUMN next_check_at timestamptz;             -- earliest time-based change of any rule
CREATE INDEX orders_next_check_idx ON orders (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX orders_step_system_idx ON orders (step_system) WHERE step_system IS NOT NULL;
CREATE INDEX orders_held_on_idx ON orders (held_on) WHERE held_on IS NOT NULL;

-- The worker claims the oldest marks first; without this a backlog of marks is sorted whole
-- for every batch.
CREATE INDEX dirty_orders_marked_at_idx ON dirty_orders (marked_at);

-- Per line: its own stage and waiting-on (partial shipments, backorders, returns).
ALTER TABLE order_lines
    ADD COLUMN stage          text,
    ADD COLUMN waiting_on     text,
    ADD COLUMN qty_open       numeric(12, 2),
    ADD COLUMN qty_to_invoice numeric(12, 2),
    ADD COLUMN qty_to_credit  numeric(12, 2),
    ADD COLUMN evaluated_at   timestamptz;              -- when its decision last changed

ALTER TABLE exceptions
    ADD COLUMN rule              text,            -- the policy rule that raised it
    ADD COLUMN escalate_at       timestamptz,     -- 150% of its SLA: to the manager
    ADD COLUMN reason_code       text,            -- the person's reason code on the last change
    ADD COLUMN fingerprint       text,            -- hash of the deciding facts (recurrence test)
    ADD COLUMN resume_status     text,            -- status to return to when a snooze ends
    ADD COLUMN last_evaluated_at timestamptz;     -- when the rules last changed it
CREATE INDEX exceptions_open_due_idx ON exceptions (due_at)
    WHERE status <> 'resolved' AND escalation_tier < 2;
CREATE INDEX exceptions_snoozed_idx ON exceptions (snoozed_until) WHERE status = 'snoozed';
CREATE INDEX exceptions_kind_status_idx ON exceptions (kind, status);
CREATE INDEX exception_events_at_idx ON exception_events (at);

-- Maximum collector lag per source before it counts as stale (synced from the policy).
CREATE TABLE source_thresholds (
    source          text PRIMARY KEY,
    max_lag_minutes double precision NOT NULL,
    policy_version  text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per sweep run, for /health and the benches.
CREATE TABLE rules_sweeps (
    swept_at       timestamptz PRIMARY KEY,
    orders_due     integer NOT NULL,
    escalated      integer NOT NULL,
    unsnoozed      integer NOT NULL,
    stale_sources  text[] NOT NULL DEFAULT '{}',
    seconds        double precision NOT NULL
);

-- The teams of the built-in policy, so owners resolve before the rules first run; the rules
-- worker upserts the teams of the policy it loads (tower.evaluation.policy_sync).
INSERT INTO teams (team_id, name, lead_name, manager_name) VALUES
    ('order-desk', 'Order desk', 'Maria Lopez', 'Dan Reyes'),
    ('credit', 'Credit (finance)', 'Priya Shah', 'Tom Becker'),
    ('pricing', 'Pricing', 'Lena Fischer', 'Tom Becker'),
    ('inventory', 'Inventory planning', 'Sam Okafor', 'Dan Reyes'),
    ('warehouse-ops', 'Warehouse operations', 'Jo Kim', 'Rick Hall'),
    ('warehouse-DAL-1', 'Warehouse DAL-1', 'Carlos Ruiz', 'Rick Hall'),
    ('warehouse-ATL-1', 'Warehouse ATL-1', 'Dana White', 'Rick Hall'),
    ('warehouse-RNO-1', 'Warehouse RNO-1', 'Kevin Park', 'Rick Hall'),
    ('warehouse-CHI-1', 'Warehouse CHI-1', 'Olga Novak', 'Rick Hall'),
    ('warehouse-NJ-1', 'Warehouse NJ-1', 'Ben Adler', 'Rick Hall'),
    ('transport', 'Transport', 'Nina Costa', 'Rick Hall'),
    ('billing', 'Billing', 'Omar Haddad', 'Tom Becker'),
    ('collections', 'Collections', 'Grace Liu', 'Tom Becker'),
    ('returns', 'Returns', 'Ivan Petrov', 'Dan Reyes'),
    ('integrations', 'Integrations', 'Ada Brooks', 'Dan Reyes')
ON CONFLICT (team_id) DO NOTHING;
