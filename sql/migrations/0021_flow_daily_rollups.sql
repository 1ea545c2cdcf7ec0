-- Daily rollups of /flow's facts, so that a page's read grows with the days it shows, not with
-- the orders placed in them. Kept by tower.process.refresh in the same transaction as the facts:
-- every UTC day (of placed_at) whose orders were rebuilt is recomputed from the facts.
--
-- Each rollup row is per day, per warehouse ('' = none) and per one more dimension at most:
-- dim '*' (value '*') for every channel/tier/carrier, or dim 'channel' | 'tier' | 'carrier'
-- with its value ('' = none). A read with at most one of channel/tier/carrier (plus any
-- warehouse filter or scope) sums these rows; more filters read the facts themselves.
--
-- Counts and sums add up exactly. Medians do not, so durations are kept as counts per fixed
-- bucket of hours: 0; (0, 1 min); then [1 min x 1.05^k, 1 min x 1.05^(k+1)). A quantile read
-- from the buckets lies within a factor sqrt(1.05) (+-2.5%) of the exact one, or 30 s below a
-- minute (flow_hours_bucket / flow_bucket_hours; tests/process/test_rollups.py holds it).

CREATE FUNCTION flow_hours_bucket(hours double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN hours IS NULL THEN NULL
                WHEN hours <= 0 THEN 0
                WHEN hours < 1.0 / 60 THEN 1
                ELSE 2 + floor(ln(hours * 60) / ln(1.05))::integer END
$$;

-- The value a bucket stands for: 0, 30 s, or the geometric middle of its range.
CREATE FUNCTION flow_bucket_hours(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN bucket = 0 THEN 0
                WHEN bucket = 1 THEN 1.0 / 120
                ELSE power(1.05, bucket - 2 + 0.5) / 60 END
$$;

-- measure 'count': n transitions, business_n of them with business hours, total_hours their sum
-- (bucket -1); measure 'business' | 'wall': n transitions in each bucket of those hours.
CREATE TABLE flow_transition_days (
    object_type text NOT NULL,
    dim text NOT NULL,
    value text NOT NULL,
    day date NOT NULL,
    warehouse text NOT NULL,
    from_kind text NOT NULL,
    to_kind text NOT NULL,
    measure text NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL,
    total_hours double precision,
    PRIMARY KEY (object_type, dim, value, day, warehouse, from_kind, to_kind, measure, bucket)
);

-- subject: 'orders' and 'conforming' (counts, bucket -1); 'conforming_cycle' and
-- 'deviating_cycle' (completed orders per bucket of cycle business hours); per deviation type
-- 'deviation:<type>' and 'accepted:<type>' (orders; bucket -1) and 'deviation_cycle:<type>'.
CREATE TABLE flow_order_days (
    dim text NOT NULL,
    value text NOT NULL,
    day date NOT NULL,
    warehouse text NOT NULL,
    subject text NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (dim, value, day, warehouse, subject, bucket)
);

-- a day's rows are replaced whenever its orders are rebuilt
CREATE INDEX flow_transition_days_day_idx ON flow_transition_days (day);
CREATE INDEX flow_order_days_day_idx ON flow_order_days (day);
