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
-- Append-only, no unique key: concurrent pages never conflict on it, and an order queued twice
-- is simply projected once with the union of the kinds. kinds: the kinds of the new facts
-- (NULL: every projection), as ingest's _touched.
CREATE TABLE projection_queue (
    queue_id  bigserial PRIMARY KEY,
    order_id  text NOT NULL,
    kinds     text[],
    queued_at timestamptz NOT NULL DEFAULT now()
);
