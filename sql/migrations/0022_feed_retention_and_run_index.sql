-- The change feed's retention: the collector process deletes rows older than
-- TOWER_CHANGE_FEED_KEEP_DAYS (tower/store/change_feed.py). The feed is read in (txid, change_id)
-- order, so what is deleted is always everything up to one position, and that position is kept
-- here: a cursor behind it may have missed deleted rows and is told to resync (410), a cursor at
-- or after it misses nothing.
CREATE TABLE change_feed_horizon (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    txid       xid8 NOT NULL,
    change_id  bigint NOT NULL,
    pruned_at  timestamptz NOT NULL
);

-- The rows old enough to delete are found by time.
CREATE INDEX change_feed_by_time ON change_feed (changed_at);

-- Every order lookup (page and API) reads each stream's freshness (collector_runs.sql
-- `readings`), whose newest run that read data is found newest first; runs that read nothing
-- (data_through NULL: a quiet poll, a failure) were walked one by one, all of them for a stream
-- that never reported progress. Those runs are not in this index.
CREATE INDEX collector_runs_progress_idx ON collector_runs (source, stream, started_at DESC)
    WHERE data_through IS NOT NULL;
