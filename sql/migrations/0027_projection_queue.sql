-- Orders whose new facts are stored but whose projections (orders, lines, shipments, invoices,
-- payments, returns) are not brought up to date yet: the collector path while a stream reads a
-- backlog (tower.store.ingest, defer_projection=True; collectors/projector.py drains it).
--
-- Why: a backlog page recomputed the projections of every order it touched, under that order's
-- lock. The streams read in time order and touch the same recent orders, so their transactions
-- queued behind each other's order locks (the database used one core of two), and an order was
-- recomputed once per stream and page that touched it (nine times over a 60-day backfill).
-- A queued order is projected once per drain, from all its milestones (order-independent as
-- before), by whichever process takes its row.
--
-- Append-only, no unique key: concurrent pages never wait on each other here, and an order
-- queued by several pages is projected once per drain. Every projection of a queued order is
-- recomputed, whatever the kinds of its new facts: a drain reads every committed fact of the
-- order, also those whose own queue row is still waiting, so it must not bring the header up
-- to date and leave the lines behind (an order "placed with no lines" for a few seconds).
CREATE TABLE projection_queue (
    queue_id  bigserial PRIMARY KEY,
    order_id  text NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);
-- A drain takes all the rows of the orders it projects; an ingest that projects at once asks
-- whether its orders wait here (see tower/store/ingest.sql, widen_queued).
CREATE INDEX projection_queue_order_id_idx ON projection_queue (order_id);
