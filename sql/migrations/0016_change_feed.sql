-- The change feed behind GET /api/v1/changes: one row per changed order or exception, written
-- by statement-level triggers in the same transaction as the change itself.
--
-- Why txid and not the serial id or a time: ids and clock times follow statement order, not
-- commit order, so a reader that has seen id 10 may later find a transaction commit id 9.
-- A reader instead takes every row whose transaction id is below the oldest transaction still
-- running (pg_snapshot_xmin of its snapshot): those transactions have all ended, so no row can
-- appear behind the cursor later. The cursor is (txid, change_id) of the last row delivered.
CREATE TABLE change_feed (
    change_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity     text NOT NULL CHECK (entity IN ('order', 'exception')),
    entity_id  text NOT NULL,
    warehouse  text,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX change_feed_by_txid ON change_feed (txid, change_id);

CREATE FUNCTION change_feed_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (entity, entity_id, warehouse)
    SELECT 'order', c.order_id, c.warehouse FROM changed_rows c;
    RETURN NULL;
END $$;

CREATE FUNCTION change_feed_exceptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (entity, entity_id, warehouse)
    SELECT 'exception', c.exception_id::text, o.warehouse
    FROM changed_rows c LEFT JOIN orders o ON o.order_id = c.order_id;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_change_feed_ins AFTER INSERT ON orders REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_feed_orders();
CREATE TRIGGER orders_change_feed_upd AFTER UPDATE ON orders REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_feed_orders();
CREATE TRIGGER exceptions_change_feed_ins AFTER INSERT ON exceptions REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_feed_exceptions();
CREATE TRIGGER exceptions_change_feed_upd AFTER UPDATE ON exceptions REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_feed_exceptions();
