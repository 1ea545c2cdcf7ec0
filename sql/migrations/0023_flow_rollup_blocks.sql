-- Blocks of days in /flow's rollups, so that a long period reads a few rows per transition and
-- bucket instead of one per day. Beside the day rows (span_days 1) each rollup table now keeps
-- the same figures summed over aligned blocks of 4, 16, 64 and 256 days (span_days; day = the
-- block's first day; blocks start on multiples of span_days days after 2000-01-03). A read of
-- [start, end) takes the largest aligned blocks that fit and single days at the edges: at most
-- 3 blocks of each size on either side, about a dozen rows per transition and bucket for a year
-- where the day rows were 365. Counts per bucket add up, so a block is the sum of the four
-- blocks (or days) it is made of: tower.process.rollup rebuilds every block over a day it
-- recomputes, in the same transaction.

-- The first day of the block of `span_days` days that holds `day`.
CREATE FUNCTION flow_block_start(day date, span_days integer) RETURNS date
    LANGUAGE sql IMMUTABLE AS $$
    SELECT day - (((day - DATE '2000-01-03') % span_days) + span_days) % span_days
$$;

ALTER TABLE flow_transition_days ADD COLUMN span_days integer NOT NULL DEFAULT 1;
ALTER TABLE flow_transition_days ALTER COLUMN span_days DROP DEFAULT;
ALTER TABLE flow_transition_days DROP CONSTRAINT flow_transition_days_pkey;
ALTER TABLE flow_transition_days ADD PRIMARY KEY
    (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind, measure, bucket);
DROP INDEX flow_transition_days_day_idx;
CREATE INDEX flow_transition_days_day_idx ON flow_transition_days (span_days, day);

ALTER TABLE flow_order_days ADD COLUMN span_days integer NOT NULL DEFAULT 1;
ALTER TABLE flow_order_days ALTER COLUMN span_days DROP DEFAULT;
ALTER TABLE flow_order_days DROP CONSTRAINT flow_order_days_pkey;
ALTER TABLE flow_order_days ADD PRIMARY KEY (dim, value, span_days, day, warehouse, subject, bucket);
DROP INDEX flow_order_days_day_idx;
CREATE INDEX flow_order_days_day_idx ON flow_order_days (span_days, day);

-- The blocks of the days already rolled up, each size from the one below it.
DO $$
DECLARE
    size integer;
BEGIN
    FOREACH size IN ARRAY ARRAY[4, 16, 64, 256] LOOP
        INSERT INTO flow_transition_days (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
                                          measure, bucket, n, total_hours)
        SELECT object_type, dim, value, size, flow_block_start(day, size), warehouse, from_kind, to_kind,
               measure, bucket, sum(n), sum(total_hours)
        FROM flow_transition_days WHERE span_days = size / 4
        GROUP BY object_type, dim, value, flow_block_start(day, size), warehouse, from_kind, to_kind, measure, bucket;
        INSERT INTO flow_order_days (dim, value, span_days, day, warehouse, subject, bucket, n)
        SELECT dim, value, size, flow_block_start(day, size), warehouse, subject, bucket, sum(n)
        FROM flow_order_days WHERE span_days = size / 4
        GROUP BY dim, value, flow_block_start(day, size), warehouse, subject, bucket;
    END LOOP;
END
$$;
