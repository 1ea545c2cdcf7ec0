-- /flow's transition rollup keeps one row per transition, day (or block of days), warehouse and
-- dimension value, with its durations as histograms in arrays, instead of one row per bucket of
-- hours. A transition's business and wall hours fell in ~10 buckets each, so the rollup held
-- about 20 bucket rows per count row: 6.1M rows for the demo's 26k orders (1.5 GB, more rows
-- than the facts it sums), and folding a backfill into them was 118 s of the 137 s /flow took.
-- Now 230k rows (156 MB). A histogram is two arrays of the same length, buckets (the
-- flow_hours_bucket of the hours) and how many transitions fell in each, in no order; a bucket
-- whose count drops to zero leaves the arrays.
--
-- The rows already rolled up are pivoted here, so nothing has to be rebuilt.

ALTER TABLE flow_transition_days RENAME TO flow_transition_buckets_before_0028;
ALTER INDEX flow_transition_days_day_idx RENAME TO flow_transition_buckets_before_0028_day_idx;
ALTER TABLE flow_transition_buckets_before_0028
    RENAME CONSTRAINT flow_transition_days_pkey TO flow_transition_buckets_before_0028_pkey;

CREATE TABLE flow_transition_days (
    object_type text NOT NULL,
    dim text NOT NULL,
    value text NOT NULL,
    span_days integer NOT NULL,
    day date NOT NULL,
    warehouse text NOT NULL,
    from_kind text NOT NULL,
    to_kind text NOT NULL,
    n bigint NOT NULL,                 -- transitions
    total_hours double precision,      -- the sum of their business hours (NULL: none had any)
    business_buckets integer[] NOT NULL DEFAULT '{}',
    business_counts bigint[] NOT NULL DEFAULT '{}',
    wall_buckets integer[] NOT NULL DEFAULT '{}',
    wall_counts bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind),
    CHECK (cardinality(business_buckets) = cardinality(business_counts)),
    CHECK (cardinality(wall_buckets) = cardinality(wall_counts))
);
CREATE INDEX flow_transition_days_day_idx ON flow_transition_days (span_days, day);

INSERT INTO flow_transition_days
SELECT object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
       coalesce(sum(n) FILTER (WHERE measure = 'count'), 0),
       sum(total_hours) FILTER (WHERE measure = 'count'),
       coalesce(array_agg(bucket) FILTER (WHERE measure = 'business'), '{}'),
       coalesce(array_agg(n) FILTER (WHERE measure = 'business'), '{}'),
       coalesce(array_agg(bucket) FILTER (WHERE measure = 'wall'), '{}'),
       coalesce(array_agg(n) FILTER (WHERE measure = 'wall'), '{}')
FROM flow_transition_buckets_before_0028
GROUP BY object_type, dim, value, span_days, day, warehouse, from_kind, to_kind
HAVING coalesce(sum(n) FILTER (WHERE measure = 'count'), 0) <> 0;

DROP TABLE flow_transition_buckets_before_0028;
