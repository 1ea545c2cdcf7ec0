-- An update marks an order or exception for the analytics job (tower.kpis.facts) only when it
-- changes a column the KPI facts and queue items are computed from. The rules worker rewrites
-- every order it evaluates (reason, owner, next check, evaluated_at ...) and every open
-- exception on it (title, detail, last_evaluated_at ...): each evaluation marked them all, so
-- the re-evaluation after a catch-up (every order judged while a source was behind) queued the
-- whole store again for figures that had not moved.
--
-- The columns: what tower/kpis/facts.sql reads from orders and exceptions
-- (tests/kpis/test_marks.py holds this list to that file), plus orders.milestone_count, which
-- moves with every new fact of the order (its milestones and lines, read by the facts, change
-- only through ingest, which counts them). Inserts still mark every row.

CREATE FUNCTION kpi_mark_changed_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'order', n.order_id
    FROM changed_rows n JOIN previous_rows o ON o.order_id = n.order_id
    WHERE (n.stage, n.status, n.warehouse, n.region, n.channel, n.customer_id, n.promised_at, n.due_at,
           n.last_event_at, n.placed_at, n.milestone_count)
          IS DISTINCT FROM
          (o.stage, o.status, o.warehouse, o.region, o.channel, o.customer_id, o.promised_at, o.due_at,
           o.last_event_at, o.placed_at, o.milestone_count);
    RETURN NULL;
END $$;

CREATE FUNCTION kpi_mark_changed_exceptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'exception', n.exception_id::text
    FROM changed_rows n JOIN previous_rows o ON o.exception_id = n.exception_id
    WHERE (n.kind, n.status, n.origin, n.order_id, n.opened_at, n.resolved_at)
          IS DISTINCT FROM (o.kind, o.status, o.origin, o.order_id, o.opened_at, o.resolved_at);
    RETURN NULL;
END $$;

DROP TRIGGER orders_kpi_mark_upd ON orders;
CREATE TRIGGER orders_kpi_mark_upd AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_changed_orders();
DROP TRIGGER exceptions_kpi_mark_upd ON exceptions;
CREATE TRIGGER exceptions_kpi_mark_upd AFTER UPDATE ON exceptions
    REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_changed_exceptions();
