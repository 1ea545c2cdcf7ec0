-- name: since
-- Rows of transactions that have all ended (below the snapshot's xmin), after the cursor.
SELECT f.change_id, f.txid::text AS txid, f.entity, f.entity_id, f.changed_at
FROM change_feed f
WHERE (f.txid, f.change_id) > (CAST(:after_txid AS xid8), CAST(:after_id AS bigint))
  AND f.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND (CAST(:warehouses AS text[]) IS NULL OR f.warehouse = ANY(:warehouses))
ORDER BY f.txid, f.change_id
LIMIT :limit;

-- name: horizon
SELECT txid::text AS txid, change_id FROM change_feed_horizon;
