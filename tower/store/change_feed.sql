-- name: prune
-- Everything up to the newest position among rows older than :before (and of transactions that
-- have all ended, as the reader sees them) is deleted, and that position becomes the horizon.
-- OFFSET 0 keeps the time filter first (change_feed_by_time: only the rows going away are read),
-- instead of a walk back through the whole retained feed by position.
WITH edge AS (
    SELECT txid, change_id
    FROM (SELECT txid, change_id FROM change_feed
          WHERE changed_at < :before AND txid < pg_snapshot_xmin(pg_current_snapshot()) OFFSET 0) old
    ORDER BY txid DESC, change_id DESC
    LIMIT 1
), gone AS (
    DELETE FROM change_feed f USING edge
    WHERE (f.txid, f.change_id) <= (edge.txid, edge.change_id)
    RETURNING f.change_id
), horizon AS (
    INSERT INTO change_feed_horizon (only_row, txid, change_id, pruned_at)
    SELECT true, txid, change_id, :now FROM edge
    ON CONFLICT (only_row) DO UPDATE
    SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, pruned_at = EXCLUDED.pruned_at
    WHERE (change_feed_horizon.txid, change_feed_horizon.change_id) < (EXCLUDED.txid, EXCLUDED.change_id)
)
SELECT count(*) FROM gone;
