-- Maintained read models for the supervisor, team and executive pages (queues, KPIs).
--
-- Pages never aggregate the milestone log: a trigger marks orders and exceptions whose
-- projection changed in `kpi_dirty` (cheap, same transaction as the change), and the
-- analytics job (tower.kpis.facts.refresh, run by the snapshot job every minute) recomputes
-- their facts set-based and re-aggregates the affected days of `kpi_daily`.

-- Orders / exceptions whose KPI facts must be recomputed. subject_type: order | exception.
-- Append-only with a surrogate key, not unique per subject: a writer marking an order never
-- waits for the analytics job that is taking (deleting) an earlier mark of the same order;
-- the job takes distinct subjects, and a subject taken twice is simply recomputed twice.
CREATE TABLE kpi_dirty (
    mark_id      bigserial PRIMARY KEY,
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    marked_at    timestamptz NOT NULL DEFAULT now()
);

-- When each order entered each stage of the flow (the milestone that completed the stage).
-- The queue page ages an open order from the time it entered its current stage; throughput
-- counts stage entries in the last hour.
CREATE TABLE order_stage_times (
    order_id   text NOT NULL,
    stage      text NOT NULL,
    entered_at timestamptz NOT NULL,
    warehouse  text,
    PRIMARY KEY (order_id, stage)
);
CREATE INDEX order_stage_times_entered_idx ON order_stage_times (entered_at, warehouse, stage);

-- The open orders of each queue (warehouse x stage) with the time they entered it: what the
-- queue page and the snapshot job read, so that neither joins the whole orders table. The
-- instants at which the order has used 50%, the at-risk share and 100% of its time (its due
-- time from the rules, else the stage's critical time) make the aging buckets plain
-- comparisons with now.
CREATE TABLE queue_items (
    order_id   text PRIMARY KEY,
    warehouse  text NOT NULL,
    stage      text NOT NULL,
    entered_at timestamptz NOT NULL,
    due_at     timestamptz,
    at_half    timestamptz NOT NULL,
    at_risk    timestamptz NOT NULL,
    at_due     timestamptz NOT NULL
);
CREATE INDEX queue_items_cell_idx ON queue_items (warehouse, stage, entered_at);

-- One row per (measure, subject): the value one order (or exception) contributes to a KPI.
-- Ratio measures: num = successes (or units), den = opportunities. Duration measures:
-- num = hours, den = 1. anchor_at decides which day/week/month the row counts in.
CREATE TABLE kpi_facts (
    measure     text NOT NULL,
    subject     text NOT NULL,          -- order id, or 'x:<exception_id>'
    order_id    text,
    anchor_at   timestamptz NOT NULL,
    region      text NOT NULL,
    warehouse   text NOT NULL,
    channel     text NOT NULL,
    customer_id text,
    num         numeric NOT NULL,
    den         numeric NOT NULL,
    PRIMARY KEY (measure, subject)
);
CREATE INDEX kpi_facts_anchor_idx ON kpi_facts (measure, anchor_at);
CREATE INDEX kpi_facts_value_idx ON kpi_facts (measure, num DESC);
CREATE INDEX kpi_facts_order_idx ON kpi_facts (order_id);
CREATE INDEX kpi_facts_customer_idx ON kpi_facts (customer_id, measure, anchor_at);

-- kpi_facts pre-aggregated per UTC day for every combination of the filter dimensions
-- ('*' = all values), so a page reads a few thousand rows whatever the filters.
-- bucket: whole hours for duration measures whose percentiles are shown, else 0.
CREATE TABLE kpi_daily (
    region    text NOT NULL,
    warehouse text NOT NULL,
    channel   text NOT NULL,
    measure   text NOT NULL,
    day       date NOT NULL,
    bucket    integer NOT NULL,
    n         bigint NOT NULL,
    num       numeric NOT NULL,
    den       numeric NOT NULL,
    PRIMARY KEY (region, warehouse, channel, measure, day, bucket)
);
CREATE INDEX kpi_daily_measure_day_idx ON kpi_daily (measure, day);

-- Small state for the analytics job (e.g. the last time promises were swept).
CREATE TABLE kpi_state (
    key   text PRIMARY KEY,
    value timestamptz NOT NULL
);

CREATE FUNCTION kpi_mark_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'order', order_id FROM changed_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION kpi_mark_exceptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'exception', exception_id::text FROM changed_rows;
    RETURN NULL;
END $$;

-- Statement-level triggers with transition tables: one insert per statement, not per row.
-- The projection upsert in ingest touches every changed order, so orders alone is enough.
CREATE TRIGGER orders_kpi_mark_ins AFTER INSERT ON orders
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_orders();
CREATE TRIGGER orders_kpi_mark_upd AFTER UPDATE ON orders
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_orders();
CREATE TRIGGER exceptions_kpi_mark_ins AFTER INSERT ON exceptions
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_exceptions();
CREATE TRIGGER exceptions_kpi_mark_upd AFTER UPDATE ON exceptions
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_exceptions();

-- Orders that existed before this migration.
INSERT INTO kpi_dirty (subject_type, subject_id) SELECT 'order', order_id FROM orders;
INSERT INTO kpi_dirty (subject_type, subject_id) SELECT 'exception', exception_id::text FROM exceptions;

-- Team page: resolved exceptions by time; audit events by action and time.
CREATE INDEX exceptions_resolved_at_idx ON exceptions (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX exception_events_action_at_idx ON exception_events (action, at);
-- The analytics job re-checks open orders whose promise passed since its last run (OTIF turns
-- into a miss without any new event).
CREATE INDEX orders_open_promised_idx ON orders (promised_at) WHERE status = 'open';

-- Each queue snapshot also records the aging buckets at its time (orders that have used under
-- 50%, 50% to the at-risk share, the at-risk share to 100%, and over 100% of their time): the
-- queue page shows the latest snapshot, so its cost does not grow with the number of orders.
ALTER TABLE queue_snapshots
    ADD COLUMN b_fresh   integer NOT NULL DEFAULT 0,
    ADD COLUMN b_watch   integer NOT NULL DEFAULT 0,
    ADD COLUMN b_at_risk integer NOT NULL DEFAULT 0,
    ADD COLUMN b_late    integer NOT NULL DEFAULT 0;

-- Queue page trend: one stage's snapshots of the last day without reading the others.
CREATE INDEX queue_snapshots_stage_idx ON queue_snapshots (stage, taken_at) INCLUDE (warehouse, depth, oldest_age_seconds);

-- Integrations page: the latest failures across all streams without scanning every run.
CREATE INDEX collector_runs_failed_idx ON collector_runs (started_at DESC) WHERE status IN ('failed', 'fatal');
