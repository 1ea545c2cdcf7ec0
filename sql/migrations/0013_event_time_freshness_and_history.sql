-- Event-time freshness: what a collector run learnt about how far its data lags behind the
-- source's own present, not only when it polled.
--   source_as_of  the source's present as its last page said ("as_of"), source clock
--   data_through  everything the source had up to this instant has been read (the source's
--                 present when the run caught up, else the newest change time read)
--   caught_up     the run read to the source's present (last page short or ending within the
--                 overlap of the source's present)
--   observed_at   tower's clock when the last page was committed
ALTER TABLE collector_runs ADD COLUMN source_as_of timestamptz;
ALTER TABLE collector_runs ADD COLUMN data_through timestamptz;
ALTER TABLE collector_runs ADD COLUMN caught_up boolean;
ALTER TABLE collector_runs ADD COLUMN observed_at timestamptz;

-- The last state the rules saw per source (up | catching_up | degraded | down | unknown), so a
-- change from held to fresh is noticed once and the evaluations it held run again.
CREATE TABLE source_states (
    source text PRIMARY KEY,
    state text NOT NULL,
    stale boolean NOT NULL,
    since timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Facts about the past write history, not alarms: an exception whose whole life lies in the
-- past (found when a backfill, an import or a backlog arrived) is stored with origin 'history'
-- and its true open and close times; team figures count only origin 'live'.
ALTER TABLE exceptions ADD COLUMN origin text NOT NULL DEFAULT 'live';
ALTER TABLE exceptions ADD CONSTRAINT exceptions_origin_check CHECK (origin IN ('live', 'history'));
