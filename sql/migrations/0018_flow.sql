-- The /flow page: maintained facts of the observed process (transitions between consecutive
-- events of each object, with wall and business durations) and of conformance (each order's
-- deviations from the policy's flow model), plus business calendars as data so that business
-- hours are computed set-based in SQL.

-- One row per calendar day (working or not) per policy calendar, in UTC instants. A day off
-- has opens_at = closes_at and open_seconds = 0. open_before is the calendar's working seconds
-- from the table's first day up to this day's opening, so the business time between two
-- instants is clock(b) - clock(a), clock(t) = open_before + clamp(t - opens_at, 0, open_seconds)
-- of t's local day: an equality join on (calendar, local day), no loop over days.
CREATE TABLE flow_calendar_days (
    calendar text NOT NULL,
    day date NOT NULL,
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    open_seconds double precision NOT NULL,
    open_before double precision NOT NULL,
    PRIMARY KEY (calendar, day)
);

-- The calendars the table was built from (their zone) and which calendar each warehouse uses
-- ('*' = the default calendar for unknown warehouses), with the policy version they came from.
CREATE TABLE flow_calendars (
    calendar text PRIMARY KEY,
    tz text NOT NULL,
    policy_version text NOT NULL
);

CREATE TABLE flow_warehouse_calendars (
    warehouse text PRIMARY KEY,
    calendar text NOT NULL
);

-- Business seconds of `calendar` from its first day up to `at` (NULL outside the table's range).
CREATE FUNCTION flow_business_clock(cal text, at timestamptz) RETURNS double precision
    LANGUAGE sql STABLE AS $$
    SELECT d.open_before + greatest(0, least(extract(epoch FROM at - d.opens_at)::float8, d.open_seconds))
    FROM flow_calendars c
    JOIN flow_calendar_days d ON d.calendar = c.calendar AND d.day = (at AT TIME ZONE c.tz)::date
    WHERE c.calendar = cal
$$;

-- Business hours of `calendar` between two instants (0 when b is not after a).
CREATE FUNCTION flow_business_hours(cal text, a timestamptz, b timestamptz) RETURNS double precision
    LANGUAGE sql STABLE AS $$
    SELECT greatest(flow_business_clock(cal, b) - flow_business_clock(cal, a), 0) / 3600.0
$$;

-- One row per order: its dimensions, its conformance verdict and its cycle time.
CREATE TABLE flow_orders (
    order_id text PRIMARY KEY,
    placed_at timestamptz,
    warehouse text,
    channel text,
    customer_tier text,
    carrier text,
    status text NOT NULL,
    calendar text NOT NULL,
    first_at timestamptz,
    last_at timestamptz,
    cycle_business_hours double precision,
    deviations text[] NOT NULL DEFAULT '{}',
    accepted text[] NOT NULL DEFAULT '{}',
    milestone_count integer NOT NULL,
    policy_version text NOT NULL
);
CREATE INDEX flow_orders_placed_idx ON flow_orders (placed_at);

-- One row per directly-follows pair of events of one object (order, line, shipment, invoice);
-- from_kind is 'start' (no duration) for the object's first event.
CREATE TABLE flow_transitions (
    order_id text NOT NULL,
    object_type text NOT NULL,
    object_id text NOT NULL,
    from_kind text NOT NULL,
    to_kind text NOT NULL,
    from_at timestamptz NOT NULL,
    to_at timestamptz NOT NULL,
    wall_hours double precision NOT NULL,
    business_hours double precision,
    -- the order's placing time and dimensions, copied so that a page's period and filters
    -- select transitions by index without joining every order
    placed_at timestamptz,
    warehouse text,
    channel text,
    customer_tier text,
    carrier text
);
CREATE INDEX flow_transitions_order_idx ON flow_transitions (order_id);
CREATE INDEX flow_transitions_placed_idx ON flow_transitions (object_type, placed_at);
