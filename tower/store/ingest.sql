-- Statements of one ingest batch, run in order inside the caller's transaction.
-- _ms_stage holds the batch; _touched the orders whose milestone set grew.

-- name: create_stage
-- The scratch tables live as long as the session and are emptied at every commit: creating
-- and dropping them in every batch wrote the catalog each time (a few ms of every page's
-- transaction). DELETE, not TRUNCATE, empties them when one transaction ingests twice:
-- TRUNCATE gives the table a new file, a catalog write again.
CREATE TEMP TABLE IF NOT EXISTS _ms_stage (
    order_id text, source text, source_event_id text, kind text, occurred_at timestamptz,
    line_no integer, shipment_id text, invoice_id text, payment_id text, return_id text,
    attrs jsonb, ref_system text, ref_kind text, ref_value text
) ON COMMIT DELETE ROWS;
-- _touched: the orders whose milestone set grew, with the kinds of the new facts (NULL: all).
CREATE TEMP TABLE IF NOT EXISTS _touched (order_id text PRIMARY KEY, kinds text[]) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS _learnt (
    system text, kind text, value text, order_id text, object_id text
) ON COMMIT DELETE ROWS;
DELETE FROM _ms_stage;
DELETE FROM _touched;
DELETE FROM _learnt;

-- name: copy_stage
COPY _ms_stage (order_id, source, source_event_id, kind, occurred_at, line_no, shipment_id,
                invoice_id, payment_id, return_id, attrs, ref_system, ref_kind, ref_value)
FROM STDIN

-- name: analyze_stage
-- Statistics for the batch: without them the planner takes a small batch for a large one and
-- hashes the whole identifiers table to resolve a few references (a cost that grows with the
-- store, not the batch).
ANALYZE _ms_stage (order_id, ref_value);  -- the row count and the join keys only: a full ANALYZE costs more than it saves

-- name: register_identifiers
-- Keys each system knows for an order, learnt from the facts that name them (one pass over
-- the batch: each fact yields the keys its kind carries). The keys new to the store are kept
-- in _learnt: the events parked for them are linked next (unpark_learnt).
WITH ins AS (
INSERT INTO identifiers (system, kind, value, order_id, object_id)
SELECT DISTINCT ON (k.system, k.kind, k.value) k.system, k.kind, k.value, s.order_id, k.object_id
FROM _ms_stage s
CROSS JOIN LATERAL (VALUES
    ('erp', 'order_no', CASE WHEN s.kind IN ('placed', 'amended') THEN s.order_id END, NULL),
    ('erp', 'customer_po', CASE WHEN s.kind IN ('placed', 'amended') THEN nullif(s.attrs->>'customer_po', '') END, NULL),
    ('carrier', 'tracking_no', CASE WHEN s.kind = 'shipped' THEN nullif(s.attrs->>'tracking_no', '') END, s.shipment_id),
    ('finance', 'invoice_no', CASE WHEN s.kind = 'invoiced' THEN nullif(coalesce(s.attrs->>'invoice_no', s.invoice_id), '') END, s.invoice_id)
) AS k (system, kind, value, object_id)
WHERE s.order_id IS NOT NULL AND s.kind IN ('placed', 'amended', 'shipped', 'invoiced')
  AND k.value IS NOT NULL
ORDER BY k.system, k.kind, k.value, s.occurred_at
ON CONFLICT (system, kind, value) DO NOTHING
RETURNING system, kind, value, order_id, object_id
)
INSERT INTO _learnt SELECT * FROM ins;

-- name: unpark_learnt
-- Parked events whose reference this batch taught join it, looked up by key in the parked
-- events' index. A batch never scans every parked event: during a catch-up in which one source
-- runs ahead of another there are tens of thousands of them, and every page looking at all of
-- them was a seventh of the collector's time.
WITH moved AS (
    DELETE FROM parked_milestones p
    USING _learnt l
    WHERE p.ref_system = l.system AND p.ref_kind = l.kind AND p.ref_value = l.value
    RETURNING p.milestone AS m, l.order_id, l.object_id, l.kind AS id_kind
)
INSERT INTO _ms_stage (order_id, source, source_event_id, kind, occurred_at, line_no, shipment_id,
                       invoice_id, payment_id, return_id, attrs, ref_system, ref_kind, ref_value)
SELECT order_id, m->>'source', m->>'source_event_id', m->>'kind', (m->>'occurred_at')::timestamptz,
       (m->>'line_no')::integer,
       coalesce(m->>'shipment_id', CASE WHEN id_kind = 'tracking_no' THEN object_id END),
       coalesce(m->>'invoice_id', CASE WHEN id_kind = 'invoice_no' THEN object_id END),
       m->>'payment_id', m->>'return_id', m->'attrs', m->>'ref_system', m->>'ref_kind', m->>'ref_value'
FROM moved;

-- name: learn_parked_refs
-- For settle_parked: the reference of every parked event known by now goes into _learnt, and
-- unpark_learnt links them. Each parked event is looked up by key (the identifiers table is
-- never scanned: it grows with the store), so an event parked by a concurrent batch that was
-- registering its reference at the same time, which neither batch saw, is linked at the
-- latest by the end of the run.
INSERT INTO _learnt (system, kind, value, order_id, object_id)
SELECT DISTINCT i.system, i.kind, i.value, i.order_id, i.object_id
FROM parked_milestones p
CROSS JOIN LATERAL (
    SELECT system, kind, value, order_id, object_id FROM identifiers i
    WHERE i.system = p.ref_system AND i.kind = p.ref_kind AND i.value = p.ref_value
    LIMIT 1
) i;

-- name: parked_resolvable
-- Is any parked event's reference known by now? (A parked event and the fact that teaches its
-- reference can arrive in concurrent batches that do not see each other; see settle_parked.)
SELECT EXISTS (
    SELECT 1 FROM parked_milestones p
    WHERE EXISTS (SELECT 1 FROM identifiers i
                  WHERE i.system = p.ref_system AND i.kind = p.ref_kind AND i.value = p.ref_value)
);

-- name: resolve_refs
UPDATE _ms_stage s
SET order_id = coalesce(s.order_id, i.order_id),
    shipment_id = coalesce(s.shipment_id, CASE WHEN i.kind = 'tracking_no' THEN i.object_id END),
    invoice_id = coalesce(s.invoice_id, CASE WHEN i.kind = 'invoice_no' THEN i.object_id END)
FROM identifiers i
WHERE s.ref_system IS NOT NULL
  AND i.system = s.ref_system AND i.kind = s.ref_kind AND i.value = s.ref_value;

-- name: park
WITH parked AS (
    INSERT INTO parked_milestones (source, source_event_id, ref_system, ref_kind, ref_value, milestone)
    SELECT source, source_event_id, ref_system, ref_kind, ref_value,
           jsonb_build_object('source', source, 'source_event_id', source_event_id, 'kind', kind,
                              'occurred_at', occurred_at, 'line_no', line_no,
                              'shipment_id', shipment_id, 'invoice_id', invoice_id,
                              'payment_id', payment_id, 'return_id', return_id, 'attrs', attrs,
                              'ref_system', ref_system, 'ref_kind', ref_kind, 'ref_value', ref_value)
    FROM _ms_stage WHERE order_id IS NULL
    ON CONFLICT (source, source_event_id) DO NOTHING
    RETURNING 1
), gone AS (
    DELETE FROM _ms_stage WHERE order_id IS NULL RETURNING 1
)
SELECT (SELECT count(*) FROM parked), (SELECT count(*) FROM gone);

-- name: insert_milestones
-- ON CONFLICT DO NOTHING makes re-delivery harmless, within a batch and across batches
-- (source_event_id is unique per source, so one fact always resolves to the same key).
WITH ins AS (
    INSERT INTO milestones (order_id, source, source_event_id, kind, occurred_at, line_no,
                            shipment_id, invoice_id, payment_id, return_id, attrs)
    SELECT s.order_id, s.source, s.source_event_id, s.kind, s.occurred_at, s.line_no,
           s.shipment_id, s.invoice_id, s.payment_id, s.return_id, s.attrs
    FROM _ms_stage s
    ON CONFLICT (order_id, source, source_event_id) DO NOTHING
    RETURNING order_id, kind
), t AS (
    INSERT INTO _touched AS t (order_id, kinds)
    SELECT order_id, array_agg(DISTINCT kind) FROM ins GROUP BY order_id
    ON CONFLICT (order_id) DO UPDATE
    SET kinds = CASE WHEN t.kinds IS NOT NULL
                     THEN ARRAY(SELECT DISTINCT unnest(t.kinds || excluded.kinds)) END
)
SELECT count(*) FROM ins;

-- name: lock_touched
SELECT count(pg_advisory_xact_lock(hashtextextended(order_id, 7201117)))
FROM (SELECT order_id FROM _touched ORDER BY order_id) t;

-- name: mark_dirty
INSERT INTO dirty_orders (order_id, marked_at)
SELECT order_id, now() FROM _touched ORDER BY order_id
ON CONFLICT (order_id) DO UPDATE SET marked_at = excluded.marked_at;

-- name: queue_touched
-- defer_projection: the touched orders wait in projection_queue (migration 0027) instead.
INSERT INTO projection_queue (order_id)
SELECT order_id FROM _touched ORDER BY order_id;

-- name: widen_queued
-- An order that also waits in projection_queue has stored facts no projection reflects yet:
-- every projection is recomputed (from all its facts), not only those the batch's kinds read,
-- or the header would move ahead of its lines. The queue row stays for its drain (harmless).
UPDATE _touched t SET kinds = NULL
WHERE t.kinds IS NOT NULL AND EXISTS (SELECT 1 FROM projection_queue q WHERE q.order_id = t.order_id);

-- name: touched_orders
SELECT order_id FROM _touched;
