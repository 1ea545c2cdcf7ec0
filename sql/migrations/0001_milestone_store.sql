-- The milestone store: an append-only event log per order plus the projections that pages read.
-- Every timestamp is timestamptz (stored in UTC). Every key of the log includes the order so
-- that the store can later be partitioned or distributed by order.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Teams own stages and exception kinds. lead/manager receive escalations.
CREATE TABLE teams (
    team_id      text PRIMARY KEY,
    name         text NOT NULL,
    lead_name    text,
    manager_name text,
    email        text
);

-- The current projection of each order, recomputed from the set of its milestones.
CREATE TABLE orders (
    order_id            text PRIMARY KEY,             -- the ERP order number
    customer_po         text,
    customer_id         text,
    customer_name       text,
    customer_tier       text,
    channel             text,
    warehouse           text,
    region              text,
    currency            text,
    requested_at        timestamptz,
    promised_at         timestamptz,
    value               numeric(14, 2) NOT NULL DEFAULT 0,
    placed_at           timestamptz,
    stage               text NOT NULL DEFAULT 'entered',
    status              text NOT NULL DEFAULT 'open',  -- open | closed | cancelled
    is_partial          boolean NOT NULL DEFAULT false, -- some but not all lines shipped
    credit_hold         boolean NOT NULL DEFAULT false,
    -- decided by the rules worker
    waiting_on          text,
    owner_team          text REFERENCES teams (team_id),
    due_at              timestamptz,
    sla_state           text,                          -- on_track | at_risk | breached | uncertain
    reason              text,
    reason_facts        jsonb,
    policy_version      text,
    evaluated_at        timestamptz,
    -- what tower heard and when
    last_event_at       timestamptz,
    erp_last_heard_at     timestamptz,
    wms_last_heard_at     timestamptz,
    carrier_last_heard_at timestamptz,
    finance_last_heard_at timestamptz,
    milestone_count     integer NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_po_idx ON orders (customer_po);
CREATE INDEX orders_customer_name_trgm_idx ON orders USING gin (customer_name gin_trgm_ops);
CREATE INDEX orders_open_by_warehouse_stage_idx ON orders (warehouse, stage) WHERE status = 'open';
CREATE INDEX orders_placed_at_idx ON orders (placed_at);

CREATE TABLE order_lines (
    order_id      text NOT NULL REFERENCES orders (order_id),
    line_no       integer NOT NULL,
    sku           text,
    description   text,
    qty_ordered   numeric(12, 2) NOT NULL DEFAULT 0,
    qty_allocated numeric(12, 2) NOT NULL DEFAULT 0,
    qty_short     numeric(12, 2) NOT NULL DEFAULT 0,
    qty_picked    numeric(12, 2) NOT NULL DEFAULT 0,
    qty_packed    numeric(12, 2) NOT NULL DEFAULT 0,
    qty_shipped   numeric(12, 2) NOT NULL DEFAULT 0,
    qty_delivered numeric(12, 2) NOT NULL DEFAULT 0,
    qty_invoiced  numeric(12, 2) NOT NULL DEFAULT 0,
    qty_returned  numeric(12, 2) NOT NULL DEFAULT 0,
    qty_credited  numeric(12, 2) NOT NULL DEFAULT 0,
    unit_price    numeric(12, 4),
    list_price    numeric(12, 4),
    invoiced_amount numeric(14, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_no)
);

-- The append-only event log. (source, source_event_id) is the natural key; the order leads the
-- primary key so the table can be partitioned or distributed by order.
CREATE TABLE milestones (
    order_id        text NOT NULL,
    source          text NOT NULL,                  -- erp | wms | carrier | finance | import
    source_event_id text NOT NULL,
    kind            text NOT NULL,
    occurred_at     timestamptz NOT NULL,           -- the source's time of the fact
    recorded_at     timestamptz NOT NULL DEFAULT now(), -- when tower stored it
    line_no         integer,
    shipment_id     text,
    invoice_id      text,
    payment_id      text,
    return_id       text,
    attrs           jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (order_id, source, source_event_id)
);
CREATE INDEX milestones_timeline_idx ON milestones (order_id, occurred_at);
CREATE INDEX milestones_recorded_at_idx ON milestones (recorded_at);

-- (system, kind, value) -> order: how each system's keys lead to one order.
CREATE TABLE identifiers (
    system    text NOT NULL,
    kind      text NOT NULL,    -- order_no | customer_po | tracking_no | invoice_no | task_id ...
    value     text NOT NULL,
    order_id  text NOT NULL,
    object_id text,             -- the shipment / invoice / return the key names, if any
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system, kind, value)
);
CREATE INDEX identifiers_order_idx ON identifiers (order_id);
CREATE INDEX identifiers_value_idx ON identifiers (value);

-- Events whose reference cannot be resolved yet (a carrier scan before the ship-confirm that
-- names its tracking number). Not dead letters: they are linked when the mapping arrives.
CREATE TABLE parked_milestones (
    source          text NOT NULL,
    source_event_id text NOT NULL,
    ref_system      text NOT NULL,
    ref_kind        text NOT NULL,
    ref_value       text NOT NULL,
    milestone       jsonb NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_event_id)
);
CREATE INDEX parked_milestones_ref_idx ON parked_milestones (ref_system, ref_kind, ref_value);

CREATE TABLE shipments (
    shipment_id            text PRIMARY KEY,
    order_id               text NOT NULL REFERENCES orders (order_id),
    warehouse              text,
    carrier                text,
    tracking_no            text,
    shipped_at             timestamptz,
    picked_up_at           timestamptz,
    promised_delivery_at   timestamptz,
    estimated_delivery_at  timestamptz,
    delivered_at           timestamptz,
    last_scan_at           timestamptz,
    last_scan_kind         text,
    failed_attempts        integer NOT NULL DEFAULT 0,
    status                 text NOT NULL DEFAULT 'shipped',
    lines                  jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX shipments_order_idx ON shipments (order_id);
CREATE INDEX shipments_tracking_idx ON shipments (tracking_no);

CREATE TABLE invoices (
    invoice_id   text PRIMARY KEY,
    invoice_no   text,
    order_id     text NOT NULL REFERENCES orders (order_id),
    shipment_id  text,
    issued_at    timestamptz,
    due_at       timestamptz,
    amount       numeric(14, 2) NOT NULL DEFAULT 0,
    paid_amount  numeric(14, 2) NOT NULL DEFAULT 0,
    currency     text,
    status       text NOT NULL DEFAULT 'open',     -- open | partially_paid | paid
    lines        jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX invoices_order_idx ON invoices (order_id);
CREATE INDEX invoices_invoice_no_idx ON invoices (invoice_no);

CREATE TABLE payments (
    payment_id  text PRIMARY KEY,
    order_id    text NOT NULL REFERENCES orders (order_id),
    invoice_id  text,
    paid_at     timestamptz,
    amount      numeric(14, 2) NOT NULL DEFAULT 0,
    method      text
);
CREATE INDEX payments_order_idx ON payments (order_id);

CREATE TABLE returns (
    return_id     text PRIMARY KEY,
    order_id      text NOT NULL REFERENCES orders (order_id),
    requested_at  timestamptz,
    received_at   timestamptz,
    credited_at   timestamptz,
    qty_requested numeric(12, 2) NOT NULL DEFAULT 0,
    qty_received  numeric(12, 2) NOT NULL DEFAULT 0,
    credit_amount numeric(14, 2) NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'requested', -- requested | received | credited
    reason        text
);
CREATE INDEX returns_order_idx ON returns (order_id);

-- Orders whose projection changed and whose rules must run again: an outbox written in the
-- same transaction as the milestones, so a crash never leaves an ingested order unevaluated.
CREATE TABLE dirty_orders (
    order_id  text PRIMARY KEY,
    marked_at timestamptz NOT NULL DEFAULT now()
);

-- Exceptions: one open row per (order, kind); every change lands in exception_events.
CREATE TABLE exceptions (
    exception_id   bigserial PRIMARY KEY,
    order_id       text,                 -- null for integration incidents
    kind           text NOT NULL,
    subject        text NOT NULL DEFAULT '', -- line / shipment / invoice / source it is about
    severity       text NOT NULL,        -- low | medium | high | critical
    status         text NOT NULL DEFAULT 'open', -- open | acknowledged | in_progress | on_hold | snoozed | resolved
    team_id        text REFERENCES teams (team_id),
    assignee       text,
    title          text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    value_at_risk  numeric(14, 2) NOT NULL DEFAULT 0,
    priority       numeric(12, 4) NOT NULL DEFAULT 0,
    opened_at      timestamptz NOT NULL,
    due_at         timestamptz,
    escalation_tier integer NOT NULL DEFAULT 0,
    snoozed_until  timestamptz,
    acknowledged_at timestamptz,
    resolved_at    timestamptz,
    resolution     text,
    reopen_count   integer NOT NULL DEFAULT 0,
    policy_version text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX exceptions_one_open_per_order_kind_idx
    ON exceptions (coalesce(order_id, ''), kind, subject) WHERE status <> 'resolved';
CREATE INDEX exceptions_open_by_team_idx ON exceptions (team_id, priority DESC) WHERE status <> 'resolved';
CREATE INDEX exceptions_order_idx ON exceptions (order_id);

CREATE TABLE exception_events (
    event_id       bigserial PRIMARY KEY,
    exception_id   bigint NOT NULL REFERENCES exceptions (exception_id),
    at             timestamptz NOT NULL,
    actor          text NOT NULL,        -- a user name, or 'rules' for automatic changes
    action         text NOT NULL,        -- opened | acknowledged | assigned | commented | snoozed | resolved | reopened | escalated ...
    from_status    text,
    to_status      text,
    reason         text,
    comment        text,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    policy_version text
);
CREATE INDEX exception_events_exception_idx ON exception_events (exception_id, at);

-- Integration incidents link an outage to the orders it affects.
CREATE TABLE incident_orders (
    exception_id bigint NOT NULL REFERENCES exceptions (exception_id),
    order_id     text NOT NULL,
    PRIMARY KEY (exception_id, order_id)
);

-- Collector state.
CREATE TABLE bookmarks (
    source     text NOT NULL,
    stream     text NOT NULL,
    value      jsonb NOT NULL,          -- the replication key's last value, and any cursor
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, stream)
);

CREATE TABLE collector_runs (
    run_id          bigserial PRIMARY KEY,
    source          text NOT NULL,
    stream          text NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running', -- running | ok | failed | fatal
    records_fetched integer NOT NULL DEFAULT 0,
    milestones_written integer NOT NULL DEFAULT 0,
    dead_letters    integer NOT NULL DEFAULT 0,
    newest_source_at timestamptz,
    lag_seconds     double precision,
    error           text
);
CREATE INDEX collector_runs_stream_idx ON collector_runs (source, stream, started_at DESC);

CREATE TABLE dead_letters (
    dead_letter_id bigserial PRIMARY KEY,
    source         text NOT NULL,
    stream         text NOT NULL,
    record_key     text NOT NULL,       -- the record's natural key, or a hash of its payload
    payload        jsonb NOT NULL,
    reason         text NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    retry_count    integer NOT NULL DEFAULT 0,
    status         text NOT NULL DEFAULT 'open', -- open | replayed | discarded
    UNIQUE (source, stream, record_key)
);
CREATE INDEX dead_letters_open_idx ON dead_letters (source, stream) WHERE status = 'open';

-- Queue depth over time for trend lines (written by a job in the collector process).
CREATE TABLE queue_snapshots (
    taken_at       timestamptz NOT NULL,
    warehouse      text NOT NULL,
    stage          text NOT NULL,
    depth          integer NOT NULL,
    oldest_age_seconds double precision,
    PRIMARY KEY (taken_at, warehouse, stage)
);
