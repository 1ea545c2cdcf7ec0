--
-- PostgreSQL database dump
--

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

--
-- Name: change_feed_exceptions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.change_feed_exceptions() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO change_feed (entity, entity_id, warehouse)
    SELECT 'exception', c.exception_id::text, o.warehouse
    FROM changed_rows c LEFT JOIN orders o ON o.order_id = c.order_id;
    RETURN NULL;
END $$;

--
-- Name: change_feed_orders(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.change_feed_orders() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO change_feed (entity, entity_id, warehouse)
    SELECT 'order', c.order_id, c.warehouse FROM changed_rows c;
    RETURN NULL;
END $$;

--
-- Name: flow_block_start(date, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.flow_block_start(day date, span_days integer) RETURNS date
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT day - (((day - DATE '2000-01-03') % span_days) + span_days) % span_days
$$;

--
-- Name: flow_bucket_hours(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.flow_bucket_hours(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN bucket = 0 THEN 0
                WHEN bucket = 1 THEN 1.0 / 120
                ELSE power(1.05, bucket - 2 + 0.5) / 60 END
$$;

--
-- Name: flow_business_clock(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.flow_business_clock(cal text, at timestamp with time zone) RETURNS double precision
    LANGUAGE sql STABLE
    AS $$
    SELECT d.open_before + greatest(0, least(extract(epoch FROM at - d.opens_at)::float8, d.open_seconds))
    FROM flow_calendars c
    JOIN flow_calendar_days d ON d.calendar = c.calendar AND d.day = (at AT TIME ZONE c.tz)::date
    WHERE c.calendar = cal
$$;

--
-- Name: flow_business_hours(text, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.flow_business_hours(cal text, a timestamp with time zone, b timestamp with time zone) RETURNS double precision
    LANGUAGE sql STABLE
    AS $$
    SELECT greatest(flow_business_clock(cal, b) - flow_business_clock(cal, a), 0) / 3600.0
$$;

--
-- Name: flow_hours_bucket(double precision); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.flow_hours_bucket(hours double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN hours IS NULL THEN NULL
                WHEN hours <= 0 THEN 0
                WHEN hours < 1.0 / 60 THEN 1
                ELSE 2 + floor(ln(hours * 60) / ln(1.05))::integer END
$$;

--
-- Name: kpi_mark_changed_exceptions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.kpi_mark_changed_exceptions() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'exception', n.exception_id::text
    FROM changed_rows n JOIN previous_rows o ON o.exception_id = n.exception_id
    WHERE (n.kind, n.status, n.origin, n.order_id, n.opened_at, n.resolved_at)
          IS DISTINCT FROM (o.kind, o.status, o.origin, o.order_id, o.opened_at, o.resolved_at);
    RETURN NULL;
END $$;

--
-- Name: kpi_mark_changed_orders(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.kpi_mark_changed_orders() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'order', n.order_id
    FROM changed_rows n JOIN previous_rows o ON o.order_id = n.order_id
    WHERE (n.stage, n.status, n.warehouse, n.region, n.channel, n.customer_id, n.promised_at, n.due_at,
           n.last_event_at, n.placed_at, n.milestone_count)
          IS DISTINCT FROM
          (o.stage, o.status, o.warehouse, o.region, o.channel, o.customer_id, o.promised_at, o.due_at,
           o.last_event_at, o.placed_at, o.milestone_count);
    RETURN NULL;
END $$;

--
-- Name: kpi_mark_exceptions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.kpi_mark_exceptions() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'exception', exception_id::text FROM changed_rows;
    RETURN NULL;
END $$;

--
-- Name: kpi_mark_orders(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.kpi_mark_orders() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO kpi_dirty (subject_type, subject_id)
    SELECT DISTINCT 'order', order_id FROM changed_rows;
    RETURN NULL;
END $$;

--
-- Name: notification_events_from_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notification_events_from_audit() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- 'escalated' rows name the tier reached and, from the sweep, the tier before
    -- ('from_tier'; absent = 0, as when an exception opens already past its due time).
    -- Leaving tier 0 is the breach of the exception's SLA, so it writes 'breached' too.
    INSERT INTO notification_events (audit_id, exception_id, kind, tier, at, actor, facts)
    SELECT a.event_id, a.exception_id, k.kind,
           CASE WHEN k.kind = 'escalated' THEN (a.detail->>'tier')::smallint END,
           a.at, a.actor,
           jsonb_build_object('exception_kind', x.kind, 'subject', x.subject, 'severity', x.severity,
                              'team', x.team_id, 'title', x.title, 'order_id', x.order_id,
                              'warehouse', o.warehouse, 'customer', o.customer_name,
                              'value', x.value_at_risk, 'status', x.status, 'due_at', x.due_at,
                              'escalated_to', a.detail->>'to', 'role', a.detail->>'role',
                              'reason', a.reason)
    FROM new_audit a
    JOIN exceptions x ON x.exception_id = a.exception_id AND x.origin = 'live'
    LEFT JOIN orders o ON o.order_id = x.order_id
    CROSS JOIN LATERAL (
        SELECT 'raised' AS kind WHERE a.action IN ('opened', 'reopened')
        UNION ALL SELECT 'escalated' WHERE a.action = 'escalated'
        UNION ALL SELECT 'breached' WHERE a.action = 'escalated'
                                      AND coalesce((a.detail->>'from_tier')::int, 0) = 0
        UNION ALL SELECT 'resolved' WHERE a.action = 'resolved'
    ) k;
    RETURN NULL;
END $$;

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_tokens (
    token_id bigint NOT NULL,
    username text NOT NULL,
    label text DEFAULT ''::text NOT NULL,
    scopes text[] NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by text NOT NULL,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone,
    revoked_by text,
    last_used_at timestamp with time zone,
    CONSTRAINT api_tokens_hash_shape CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_tokens_scopes_known CHECK ((scopes <@ ARRAY['orders:read'::text, 'exceptions:read'::text, 'exceptions:act'::text, 'milestones:write'::text, 'kpis:read'::text, 'integrations:read'::text, 'admin'::text]))
);

--
-- Name: api_tokens_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.api_tokens ALTER COLUMN token_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_tokens_token_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: bookmarks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookmarks (
    source text NOT NULL,
    stream text NOT NULL,
    value jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: change_feed; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.change_feed (
    change_id bigint NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    warehouse text,
    changed_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT change_feed_entity_check CHECK ((entity = ANY (ARRAY['order'::text, 'exception'::text])))
);

--
-- Name: change_feed_change_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.change_feed ALTER COLUMN change_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.change_feed_change_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: change_feed_horizon; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.change_feed_horizon (
    only_row boolean DEFAULT true NOT NULL,
    txid xid8 NOT NULL,
    change_id bigint NOT NULL,
    pruned_at timestamp with time zone NOT NULL,
    CONSTRAINT change_feed_horizon_only_row_check CHECK (only_row)
);

--
-- Name: collector_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.collector_runs (
    run_id bigint NOT NULL,
    source text NOT NULL,
    stream text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    status text DEFAULT 'running'::text NOT NULL,
    records_fetched integer DEFAULT 0 NOT NULL,
    milestones_written integer DEFAULT 0 NOT NULL,
    dead_letters integer DEFAULT 0 NOT NULL,
    newest_source_at timestamp with time zone,
    lag_seconds double precision,
    error text,
    source_as_of timestamp with time zone,
    data_through timestamp with time zone,
    caught_up boolean,
    observed_at timestamp with time zone
);

--
-- Name: collector_runs_run_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.collector_runs_run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: collector_runs_run_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.collector_runs_run_id_seq OWNED BY public.collector_runs.run_id;

--
-- Name: dead_letters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dead_letters (
    dead_letter_id bigint NOT NULL,
    source text NOT NULL,
    stream text NOT NULL,
    record_key text NOT NULL,
    payload jsonb NOT NULL,
    reason text NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    retry_count integer DEFAULT 0 NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    replay_requested_at timestamp with time zone,
    replay_requested_by text
);

--
-- Name: dead_letters_dead_letter_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dead_letters_dead_letter_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: dead_letters_dead_letter_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dead_letters_dead_letter_id_seq OWNED BY public.dead_letters.dead_letter_id;

--
-- Name: dirty_orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dirty_orders (
    order_id text NOT NULL,
    marked_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: edi_ack_control_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.edi_ack_control_seq
    START WITH 1000
    INCREMENT BY 1
    NO MINVALUE
    MAXVALUE 999999999
    CACHE 1
    CYCLE;

--
-- Name: edi_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.edi_files (
    file_id bigint NOT NULL,
    sha256 text NOT NULL,
    name text NOT NULL,
    partner_id text,
    standard text DEFAULT ''::text NOT NULL,
    via text NOT NULL,
    outcome text NOT NULL,
    interchanges integer DEFAULT 0 NOT NULL,
    transactions integer DEFAULT 0 NOT NULL,
    accepted integer DEFAULT 0 NOT NULL,
    rejected integer DEFAULT 0 NOT NULL,
    milestones integer DEFAULT 0 NOT NULL,
    segments integer DEFAULT 0 NOT NULL,
    reason text,
    received_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    times_seen integer DEFAULT 1 NOT NULL,
    CONSTRAINT edi_files_outcome_check CHECK ((outcome = ANY (ARRAY['accepted'::text, 'partial'::text, 'rejected'::text]))),
    CONSTRAINT edi_files_via_check CHECK ((via = ANY (ARRAY['inbox'::text, 'cli'::text, 'upload'::text, 'replay'::text])))
);

--
-- Name: edi_files_file_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.edi_files_file_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: edi_files_file_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.edi_files_file_id_seq OWNED BY public.edi_files.file_id;

--
-- Name: exception_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.exception_events (
    event_id bigint NOT NULL,
    exception_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    from_status text,
    to_status text,
    reason text,
    comment text,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    policy_version text
);

--
-- Name: exception_events_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.exception_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: exception_events_event_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.exception_events_event_id_seq OWNED BY public.exception_events.event_id;

--
-- Name: exceptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.exceptions (
    exception_id bigint NOT NULL,
    order_id text,
    kind text NOT NULL,
    subject text DEFAULT ''::text NOT NULL,
    severity text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    team_id text,
    assignee text,
    title text NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    value_at_risk numeric(14,2) DEFAULT 0 NOT NULL,
    priority numeric(12,4) DEFAULT 0 NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    due_at timestamp with time zone,
    escalation_tier integer DEFAULT 0 NOT NULL,
    snoozed_until timestamp with time zone,
    acknowledged_at timestamp with time zone,
    resolved_at timestamp with time zone,
    resolution text,
    reopen_count integer DEFAULT 0 NOT NULL,
    policy_version text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    rule text,
    escalate_at timestamp with time zone,
    reason_code text,
    fingerprint text,
    resume_status text,
    last_evaluated_at timestamp with time zone,
    origin text DEFAULT 'live'::text NOT NULL,
    condition_since timestamp with time zone,
    CONSTRAINT exceptions_origin_check CHECK ((origin = ANY (ARRAY['live'::text, 'history'::text])))
);

--
-- Name: exceptions_exception_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.exceptions_exception_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: exceptions_exception_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.exceptions_exception_id_seq OWNED BY public.exceptions.exception_id;

--
-- Name: flow_calendar_days; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_calendar_days (
    calendar text NOT NULL,
    day date NOT NULL,
    opens_at timestamp with time zone NOT NULL,
    closes_at timestamp with time zone NOT NULL,
    open_seconds double precision NOT NULL,
    open_before double precision NOT NULL
);

--
-- Name: flow_calendars; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_calendars (
    calendar text NOT NULL,
    tz text NOT NULL,
    policy_version text NOT NULL
);

--
-- Name: flow_orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_orders (
    order_id text NOT NULL,
    placed_at timestamp with time zone,
    warehouse text,
    channel text,
    customer_tier text,
    carrier text,
    status text NOT NULL,
    calendar text NOT NULL,
    first_at timestamp with time zone,
    last_at timestamp with time zone,
    cycle_business_hours double precision,
    deviations text[] DEFAULT '{}'::text[] NOT NULL,
    accepted text[] DEFAULT '{}'::text[] NOT NULL,
    milestone_count integer NOT NULL,
    policy_version text NOT NULL
);

--
-- Name: flow_order_contributions; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.flow_order_contributions AS
 SELECT f.order_id,
    f.placed_at,
    f.day,
    f.warehouse,
    f.channel,
    f.tier,
    f.carrier,
    s.subject,
    s.bucket
   FROM (( SELECT flow_orders.order_id,
            flow_orders.placed_at,
            ((flow_orders.placed_at AT TIME ZONE 'UTC'::text))::date AS day,
            COALESCE(flow_orders.warehouse, ''::text) AS warehouse,
            COALESCE(flow_orders.channel, ''::text) AS channel,
            COALESCE(flow_orders.customer_tier, ''::text) AS tier,
            COALESCE(flow_orders.carrier, ''::text) AS carrier,
            flow_orders.deviations,
            flow_orders.accepted,
            (flow_orders.deviations <@ flow_orders.accepted) AS conforming,
            ((flow_orders.status = 'closed'::text) AND (flow_orders.cycle_business_hours IS NOT NULL)) AS timed,
            public.flow_hours_bucket(flow_orders.cycle_business_hours) AS bucket
           FROM public.flow_orders
          WHERE (flow_orders.placed_at IS NOT NULL)) f
     CROSS JOIN LATERAL ( SELECT v.subject,
            v.bucket
           FROM ( VALUES ('orders'::text,'-1'::integer,true), ('conforming'::text,'-1'::integer,f.conforming), ('conforming_cycle'::text,f.bucket,(f.conforming AND f.timed)), ('deviating_cycle'::text,f.bucket,((NOT f.conforming) AND f.timed))) v(subject, bucket, included)
          WHERE v.included
        UNION ALL
         SELECT v.subject,
            v.bucket
           FROM (( SELECT split_part(x.d, ':'::text, 1) AS deviation,
                    bool_and((x.d = ANY (f.accepted))) AS accepted
                   FROM unnest(f.deviations) x(d)
                  GROUP BY (split_part(x.d, ':'::text, 1))) p
             CROSS JOIN LATERAL ( VALUES (('deviation:'::text || p.deviation),'-1'::integer,(NOT p.accepted)), (('accepted:'::text || p.deviation),'-1'::integer,p.accepted), (('deviation_cycle:'::text || p.deviation),f.bucket,((NOT p.accepted) AND f.timed))) v(subject, bucket, included))
          WHERE v.included) s);

--
-- Name: flow_order_days; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_order_days (
    dim text NOT NULL,
    value text NOT NULL,
    day date NOT NULL,
    warehouse text NOT NULL,
    subject text NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL,
    span_days integer NOT NULL
);

--
-- Name: flow_transitions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_transitions (
    order_id text NOT NULL,
    object_type text NOT NULL,
    object_id text NOT NULL,
    from_kind text NOT NULL,
    to_kind text NOT NULL,
    from_at timestamp with time zone NOT NULL,
    to_at timestamp with time zone NOT NULL,
    wall_hours double precision NOT NULL,
    business_hours double precision,
    placed_at timestamp with time zone,
    warehouse text,
    channel text,
    customer_tier text,
    carrier text
);

--
-- Name: flow_transition_contributions; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.flow_transition_contributions AS
 SELECT t.order_id,
    t.object_type,
    t.placed_at,
    ((t.placed_at AT TIME ZONE 'UTC'::text))::date AS day,
    COALESCE(t.warehouse, ''::text) AS warehouse,
    COALESCE(t.channel, ''::text) AS channel,
    COALESCE(t.customer_tier, ''::text) AS tier,
    COALESCE(t.carrier, ''::text) AS carrier,
    t.from_kind,
    t.to_kind,
    m.measure,
    m.bucket,
        CASE
            WHEN (m.measure = 'count'::text) THEN t.business_hours
            ELSE NULL::double precision
        END AS hours
   FROM (public.flow_transitions t
     CROSS JOIN LATERAL ( VALUES ('count'::text,'-1'::integer), ('business'::text,public.flow_hours_bucket(t.business_hours)), ('wall'::text,public.flow_hours_bucket(t.wall_hours))) m(measure, bucket))
  WHERE ((m.bucket IS NOT NULL) AND (t.placed_at IS NOT NULL));

--
-- Name: flow_transition_days; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_transition_days (
    object_type text CONSTRAINT flow_transition_days_object_type_not_null1 NOT NULL,
    dim text CONSTRAINT flow_transition_days_dim_not_null1 NOT NULL,
    value text CONSTRAINT flow_transition_days_value_not_null1 NOT NULL,
    span_days integer CONSTRAINT flow_transition_days_span_days_not_null1 NOT NULL,
    day date CONSTRAINT flow_transition_days_day_not_null1 NOT NULL,
    warehouse text CONSTRAINT flow_transition_days_warehouse_not_null1 NOT NULL,
    from_kind text CONSTRAINT flow_transition_days_from_kind_not_null1 NOT NULL,
    to_kind text CONSTRAINT flow_transition_days_to_kind_not_null1 NOT NULL,
    n bigint CONSTRAINT flow_transition_days_n_not_null1 NOT NULL,
    total_hours double precision,
    business_buckets integer[] DEFAULT '{}'::integer[] NOT NULL,
    business_counts bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    wall_buckets integer[] DEFAULT '{}'::integer[] NOT NULL,
    wall_counts bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    CONSTRAINT flow_transition_days_check CHECK ((cardinality(business_buckets) = cardinality(business_counts))),
    CONSTRAINT flow_transition_days_check1 CHECK ((cardinality(wall_buckets) = cardinality(wall_counts)))
);

--
-- Name: flow_warehouse_calendars; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flow_warehouse_calendars (
    warehouse text NOT NULL,
    calendar text NOT NULL
);

--
-- Name: identifiers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.identifiers (
    system text NOT NULL,
    kind text NOT NULL,
    value text NOT NULL,
    order_id text NOT NULL,
    object_id text,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: incident_orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incident_orders (
    exception_id bigint NOT NULL,
    order_id text NOT NULL
);

--
-- Name: invoices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoices (
    invoice_id text NOT NULL,
    invoice_no text,
    order_id text NOT NULL,
    shipment_id text,
    issued_at timestamp with time zone,
    due_at timestamp with time zone,
    amount numeric(14,2) DEFAULT 0 NOT NULL,
    paid_amount numeric(14,2) DEFAULT 0 NOT NULL,
    currency text,
    status text DEFAULT 'open'::text NOT NULL,
    lines jsonb DEFAULT '[]'::jsonb NOT NULL
);

--
-- Name: kpi_daily; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kpi_daily (
    region text NOT NULL,
    warehouse text NOT NULL,
    channel text NOT NULL,
    measure text NOT NULL,
    day date NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL,
    num numeric NOT NULL,
    den numeric NOT NULL
);

--
-- Name: kpi_dirty; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kpi_dirty (
    mark_id bigint NOT NULL,
    subject_type text NOT NULL,
    subject_id text NOT NULL,
    marked_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: kpi_dirty_mark_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.kpi_dirty_mark_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: kpi_dirty_mark_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.kpi_dirty_mark_id_seq OWNED BY public.kpi_dirty.mark_id;

--
-- Name: kpi_facts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kpi_facts (
    measure text NOT NULL,
    subject text NOT NULL,
    order_id text,
    anchor_at timestamp with time zone NOT NULL,
    region text NOT NULL,
    warehouse text NOT NULL,
    channel text NOT NULL,
    customer_id text,
    num numeric NOT NULL,
    den numeric NOT NULL
);

--
-- Name: kpi_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kpi_state (
    key text NOT NULL,
    value timestamp with time zone NOT NULL
);

--
-- Name: milestones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.milestones (
    order_id text NOT NULL,
    source text NOT NULL,
    source_event_id text NOT NULL,
    kind text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    line_no integer,
    shipment_id text,
    invoice_id text,
    payment_id text,
    return_id text,
    attrs jsonb DEFAULT '{}'::jsonb NOT NULL
);

--
-- Name: notification_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notification_deliveries (
    delivery_id bigint NOT NULL,
    delivery_uuid uuid DEFAULT gen_random_uuid() NOT NULL,
    purpose text NOT NULL,
    channel text NOT NULL,
    target text NOT NULL,
    team_id text,
    rule text,
    status text DEFAULT 'pending'::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    earliest_at timestamp with time zone NOT NULL,
    send_after timestamp with time zone NOT NULL,
    claimed_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    last_attempt_at timestamp with time zone,
    last_error text,
    sent_at timestamp with time zone,
    digest_key text,
    content jsonb,
    replays integer DEFAULT 0 NOT NULL,
    replayed_by text,
    replayed_at timestamp with time zone,
    CONSTRAINT notification_deliveries_channel_check CHECK ((channel = ANY (ARRAY['email'::text, 'webhook'::text]))),
    CONSTRAINT notification_deliveries_purpose_check CHECK ((purpose = ANY (ARRAY['alert'::text, 'digest'::text]))),
    CONSTRAINT notification_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sent'::text, 'dead'::text])))
);

--
-- Name: notification_deliveries_delivery_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.notification_deliveries ALTER COLUMN delivery_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.notification_deliveries_delivery_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: notification_delivery_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notification_delivery_events (
    delivery_id bigint NOT NULL,
    event_id bigint NOT NULL
);

--
-- Name: notification_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notification_events (
    event_id bigint NOT NULL,
    event_uuid uuid DEFAULT gen_random_uuid() NOT NULL,
    audit_id bigint NOT NULL,
    exception_id bigint NOT NULL,
    kind text NOT NULL,
    tier smallint,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    facts jsonb NOT NULL,
    routed_at timestamp with time zone,
    outcome text,
    CONSTRAINT notification_events_kind_check CHECK ((kind = ANY (ARRAY['raised'::text, 'escalated'::text, 'breached'::text, 'resolved'::text])))
);

--
-- Name: notification_events_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.notification_events ALTER COLUMN event_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.notification_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: order_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.order_lines (
    order_id text NOT NULL,
    line_no integer NOT NULL,
    sku text,
    description text,
    qty_ordered numeric(12,2) DEFAULT 0 NOT NULL,
    qty_allocated numeric(12,2) DEFAULT 0 NOT NULL,
    qty_short numeric(12,2) DEFAULT 0 NOT NULL,
    qty_picked numeric(12,2) DEFAULT 0 NOT NULL,
    qty_packed numeric(12,2) DEFAULT 0 NOT NULL,
    qty_shipped numeric(12,2) DEFAULT 0 NOT NULL,
    qty_delivered numeric(12,2) DEFAULT 0 NOT NULL,
    qty_invoiced numeric(12,2) DEFAULT 0 NOT NULL,
    qty_returned numeric(12,2) DEFAULT 0 NOT NULL,
    qty_credited numeric(12,2) DEFAULT 0 NOT NULL,
    unit_price numeric(12,4),
    list_price numeric(12,4),
    invoiced_amount numeric(14,2) DEFAULT 0 NOT NULL,
    stage text,
    waiting_on text,
    qty_open numeric(12,2),
    qty_to_invoice numeric(12,2),
    qty_to_credit numeric(12,2),
    evaluated_at timestamp with time zone
);

--
-- Name: order_stage_times; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.order_stage_times (
    order_id text NOT NULL,
    stage text NOT NULL,
    entered_at timestamp with time zone NOT NULL,
    warehouse text
);

--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    order_id text NOT NULL,
    customer_po text,
    customer_id text,
    customer_name text,
    customer_tier text,
    channel text,
    warehouse text,
    region text,
    currency text,
    requested_at timestamp with time zone,
    promised_at timestamp with time zone,
    value numeric(14,2) DEFAULT 0 NOT NULL,
    placed_at timestamp with time zone,
    stage text DEFAULT 'entered'::text NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    is_partial boolean DEFAULT false NOT NULL,
    credit_hold boolean DEFAULT false NOT NULL,
    waiting_on text,
    owner_team text,
    due_at timestamp with time zone,
    sla_state text,
    reason text,
    reason_facts jsonb,
    policy_version text,
    evaluated_at timestamp with time zone,
    last_event_at timestamp with time zone,
    erp_last_heard_at timestamp with time zone,
    wms_last_heard_at timestamp with time zone,
    carrier_last_heard_at timestamp with time zone,
    finance_last_heard_at timestamp with time zone,
    milestone_count integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    at_risk_at timestamp with time zone,
    escalate_at timestamp with time zone,
    step_system text,
    held_on text,
    next_check_at timestamp with time zone
);

--
-- Name: parked_milestones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.parked_milestones (
    source text NOT NULL,
    source_event_id text NOT NULL,
    ref_system text NOT NULL,
    ref_kind text NOT NULL,
    ref_value text NOT NULL,
    milestone jsonb NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: payments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payments (
    payment_id text NOT NULL,
    order_id text NOT NULL,
    invoice_id text,
    paid_at timestamp with time zone,
    amount numeric(14,2) DEFAULT 0 NOT NULL,
    method text
);

--
-- Name: policy_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.policy_versions (
    version text NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    source_text text NOT NULL
);

--
-- Name: projection_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projection_queue (
    queue_id bigint NOT NULL,
    order_id text NOT NULL,
    queued_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: projection_queue_queue_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.projection_queue_queue_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: projection_queue_queue_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.projection_queue_queue_id_seq OWNED BY public.projection_queue.queue_id;

--
-- Name: queue_items; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.queue_items (
    order_id text NOT NULL,
    warehouse text NOT NULL,
    stage text NOT NULL,
    entered_at timestamp with time zone NOT NULL,
    due_at timestamp with time zone,
    at_half timestamp with time zone NOT NULL,
    at_risk timestamp with time zone NOT NULL,
    at_due timestamp with time zone NOT NULL
);

--
-- Name: queue_snapshots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.queue_snapshots (
    taken_at timestamp with time zone NOT NULL,
    warehouse text NOT NULL,
    stage text NOT NULL,
    depth integer NOT NULL,
    oldest_age_seconds double precision,
    b_fresh integer DEFAULT 0 NOT NULL,
    b_watch integer DEFAULT 0 NOT NULL,
    b_at_risk integer DEFAULT 0 NOT NULL,
    b_late integer DEFAULT 0 NOT NULL
);

--
-- Name: returns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.returns (
    return_id text NOT NULL,
    order_id text NOT NULL,
    requested_at timestamp with time zone,
    received_at timestamp with time zone,
    credited_at timestamp with time zone,
    qty_requested numeric(12,2) DEFAULT 0 NOT NULL,
    qty_received numeric(12,2) DEFAULT 0 NOT NULL,
    credit_amount numeric(14,2) DEFAULT 0 NOT NULL,
    status text DEFAULT 'requested'::text NOT NULL,
    reason text
);

--
-- Name: risk_flag_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.risk_flag_events (
    event_id bigint NOT NULL,
    flag_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    reason text,
    comment text,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    model_version text NOT NULL,
    policy_version text
);

--
-- Name: risk_flag_events_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.risk_flag_events ALTER COLUMN event_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.risk_flag_events_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: risk_flags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.risk_flags (
    flag_id bigint NOT NULL,
    order_id text NOT NULL,
    kind text NOT NULL,
    model_version text NOT NULL,
    score real NOT NULL,
    threshold real NOT NULL,
    band text NOT NULL,
    decision text NOT NULL,
    policy_rule text NOT NULL,
    policy_version text NOT NULL,
    reasons jsonb DEFAULT '[]'::jsonb NOT NULL,
    raised_at timestamp with time zone NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    exception_id bigint,
    team_id text,
    reviewed_by text,
    reviewed_at timestamp with time zone,
    review_reason text,
    review_comment text,
    CONSTRAINT risk_flags_decision_check CHECK ((decision = ANY (ARRAY['recommend'::text, 'act'::text, 'escalate'::text]))),
    CONSTRAINT risk_flags_status_check CHECK ((status = ANY (ARRAY['open'::text, 'accepted'::text, 'dismissed'::text, 'expired'::text])))
);

--
-- Name: risk_flags_flag_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.risk_flags ALTER COLUMN flag_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.risk_flags_flag_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: risk_models; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.risk_models (
    version text NOT NULL,
    kind text DEFAULT 'sla_miss_risk'::text NOT NULL,
    trained_at timestamp with time zone NOT NULL,
    window_from timestamp with time zone NOT NULL,
    window_to timestamp with time zone NOT NULL,
    split_at timestamp with time zone NOT NULL,
    features jsonb NOT NULL,
    params jsonb NOT NULL,
    backtest jsonb NOT NULL,
    status text NOT NULL,
    status_reason text,
    promoted_at timestamp with time zone,
    CONSTRAINT risk_models_status_check CHECK ((status = ANY (ARRAY['candidate'::text, 'in_service'::text, 'retired'::text, 'rejected'::text])))
);

--
-- Name: risk_scores; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.risk_scores (
    order_id text NOT NULL,
    model_version text NOT NULL,
    scored_at timestamp with time zone NOT NULL,
    score real NOT NULL,
    reasons jsonb DEFAULT '[]'::jsonb NOT NULL
);

--
-- Name: rules_sweeps; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rules_sweeps (
    swept_at timestamp with time zone NOT NULL,
    orders_due integer NOT NULL,
    escalated integer NOT NULL,
    unsnoozed integer NOT NULL,
    stale_sources text[] DEFAULT '{}'::text[] NOT NULL,
    seconds double precision NOT NULL
);

--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id_hash text NOT NULL,
    username text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    revoked_why text,
    user_agent text DEFAULT ''::text NOT NULL,
    address text DEFAULT ''::text NOT NULL,
    CONSTRAINT sessions_id_hash_check CHECK ((id_hash ~ '^[0-9a-f]{64}$'::text))
);

--
-- Name: shipments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shipments (
    shipment_id text NOT NULL,
    order_id text NOT NULL,
    warehouse text,
    carrier text,
    tracking_no text,
    shipped_at timestamp with time zone,
    picked_up_at timestamp with time zone,
    promised_delivery_at timestamp with time zone,
    estimated_delivery_at timestamp with time zone,
    delivered_at timestamp with time zone,
    last_scan_at timestamp with time zone,
    last_scan_kind text,
    failed_attempts integer DEFAULT 0 NOT NULL,
    status text DEFAULT 'shipped'::text NOT NULL,
    lines jsonb DEFAULT '[]'::jsonb NOT NULL
);

--
-- Name: sign_in_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sign_in_failures (
    id bigint NOT NULL,
    username text NOT NULL,
    address text NOT NULL,
    failed_at timestamp with time zone NOT NULL
);

--
-- Name: sign_in_failures_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.sign_in_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: sign_in_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.sign_in_failures_id_seq OWNED BY public.sign_in_failures.id;

--
-- Name: source_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_states (
    source text NOT NULL,
    state text NOT NULL,
    stale boolean NOT NULL,
    since timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

--
-- Name: source_thresholds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.source_thresholds (
    source text NOT NULL,
    max_lag_minutes double precision NOT NULL,
    policy_version text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: teams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.teams (
    team_id text NOT NULL,
    name text NOT NULL,
    lead_name text,
    manager_name text,
    email text
);

--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    username text NOT NULL,
    display_name text DEFAULT ''::text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    warehouses text[],
    time_zone text DEFAULT 'UTC'::text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    is_demo boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_login_at timestamp with time zone,
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['cs'::text, 'supervisor'::text, 'finance'::text, 'executive'::text, 'admin'::text]))),
    CONSTRAINT users_username_check CHECK ((username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'::text))
);

--
-- Name: webhook_inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_inbox (
    inbox_id bigint NOT NULL,
    provider text NOT NULL,
    event_id text NOT NULL,
    received_at timestamp with time zone NOT NULL,
    body text NOT NULL,
    status text DEFAULT 'new'::text NOT NULL,
    processed_at timestamp with time zone,
    error text,
    CONSTRAINT webhook_inbox_status_check CHECK ((status = ANY (ARRAY['new'::text, 'done'::text, 'dead'::text])))
);

--
-- Name: webhook_inbox_inbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_inbox_inbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: webhook_inbox_inbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_inbox_inbox_id_seq OWNED BY public.webhook_inbox.inbox_id;

--
-- Name: collector_runs run_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.collector_runs ALTER COLUMN run_id SET DEFAULT nextval('public.collector_runs_run_id_seq'::regclass);

--
-- Name: dead_letters dead_letter_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters ALTER COLUMN dead_letter_id SET DEFAULT nextval('public.dead_letters_dead_letter_id_seq'::regclass);

--
-- Name: edi_files file_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.edi_files ALTER COLUMN file_id SET DEFAULT nextval('public.edi_files_file_id_seq'::regclass);

--
-- Name: exception_events event_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exception_events ALTER COLUMN event_id SET DEFAULT nextval('public.exception_events_event_id_seq'::regclass);

--
-- Name: exceptions exception_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exceptions ALTER COLUMN exception_id SET DEFAULT nextval('public.exceptions_exception_id_seq'::regclass);

--
-- Name: kpi_dirty mark_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kpi_dirty ALTER COLUMN mark_id SET DEFAULT nextval('public.kpi_dirty_mark_id_seq'::regclass);

--
-- Name: projection_queue queue_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projection_queue ALTER COLUMN queue_id SET DEFAULT nextval('public.projection_queue_queue_id_seq'::regclass);

--
-- Name: sign_in_failures id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sign_in_failures ALTER COLUMN id SET DEFAULT nextval('public.sign_in_failures_id_seq'::regclass);

--
-- Name: webhook_inbox inbox_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_inbox ALTER COLUMN inbox_id SET DEFAULT nextval('public.webhook_inbox_inbox_id_seq'::regclass);

--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (token_id);

--
-- Name: api_tokens api_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: bookmarks bookmarks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_pkey PRIMARY KEY (source, stream);

--
-- Name: change_feed_horizon change_feed_horizon_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_feed_horizon
    ADD CONSTRAINT change_feed_horizon_pkey PRIMARY KEY (only_row);

--
-- Name: change_feed change_feed_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_feed
    ADD CONSTRAINT change_feed_pkey PRIMARY KEY (change_id);

--
-- Name: collector_runs collector_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.collector_runs
    ADD CONSTRAINT collector_runs_pkey PRIMARY KEY (run_id);

--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (dead_letter_id);

--
-- Name: dead_letters dead_letters_source_stream_record_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_source_stream_record_key_key UNIQUE (source, stream, record_key);

--
-- Name: dirty_orders dirty_orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dirty_orders
    ADD CONSTRAINT dirty_orders_pkey PRIMARY KEY (order_id);

--
-- Name: edi_files edi_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.edi_files
    ADD CONSTRAINT edi_files_pkey PRIMARY KEY (file_id);

--
-- Name: edi_files edi_files_sha256_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.edi_files
    ADD CONSTRAINT edi_files_sha256_key UNIQUE (sha256);

--
-- Name: exception_events exception_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exception_events
    ADD CONSTRAINT exception_events_pkey PRIMARY KEY (event_id);

--
-- Name: exceptions exceptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exceptions
    ADD CONSTRAINT exceptions_pkey PRIMARY KEY (exception_id);

--
-- Name: flow_calendar_days flow_calendar_days_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_calendar_days
    ADD CONSTRAINT flow_calendar_days_pkey PRIMARY KEY (calendar, day);

--
-- Name: flow_calendars flow_calendars_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_calendars
    ADD CONSTRAINT flow_calendars_pkey PRIMARY KEY (calendar);

--
-- Name: flow_order_days flow_order_days_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_order_days
    ADD CONSTRAINT flow_order_days_pkey PRIMARY KEY (dim, value, span_days, day, warehouse, subject, bucket);

--
-- Name: flow_orders flow_orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_orders
    ADD CONSTRAINT flow_orders_pkey PRIMARY KEY (order_id);

--
-- Name: flow_transition_days flow_transition_days_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_transition_days
    ADD CONSTRAINT flow_transition_days_pkey PRIMARY KEY (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind);

--
-- Name: flow_warehouse_calendars flow_warehouse_calendars_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flow_warehouse_calendars
    ADD CONSTRAINT flow_warehouse_calendars_pkey PRIMARY KEY (warehouse);

--
-- Name: identifiers identifiers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.identifiers
    ADD CONSTRAINT identifiers_pkey PRIMARY KEY (system, kind, value);

--
-- Name: incident_orders incident_orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_orders
    ADD CONSTRAINT incident_orders_pkey PRIMARY KEY (exception_id, order_id);

--
-- Name: invoices invoices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (invoice_id);

--
-- Name: kpi_daily kpi_daily_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kpi_daily
    ADD CONSTRAINT kpi_daily_pkey PRIMARY KEY (region, warehouse, channel, measure, day, bucket);

--
-- Name: kpi_dirty kpi_dirty_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kpi_dirty
    ADD CONSTRAINT kpi_dirty_pkey PRIMARY KEY (mark_id);

--
-- Name: kpi_facts kpi_facts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kpi_facts
    ADD CONSTRAINT kpi_facts_pkey PRIMARY KEY (measure, subject);

--
-- Name: kpi_state kpi_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kpi_state
    ADD CONSTRAINT kpi_state_pkey PRIMARY KEY (key);

--
-- Name: milestones milestones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.milestones
    ADD CONSTRAINT milestones_pkey PRIMARY KEY (order_id, source, source_event_id);

--
-- Name: notification_deliveries notification_deliveries_delivery_uuid_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_deliveries
    ADD CONSTRAINT notification_deliveries_delivery_uuid_key UNIQUE (delivery_uuid);

--
-- Name: notification_deliveries notification_deliveries_digest_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_deliveries
    ADD CONSTRAINT notification_deliveries_digest_key_key UNIQUE (digest_key);

--
-- Name: notification_deliveries notification_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_deliveries
    ADD CONSTRAINT notification_deliveries_pkey PRIMARY KEY (delivery_id);

--
-- Name: notification_delivery_events notification_delivery_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_delivery_events
    ADD CONSTRAINT notification_delivery_events_pkey PRIMARY KEY (delivery_id, event_id);

--
-- Name: notification_events notification_events_event_uuid_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_events
    ADD CONSTRAINT notification_events_event_uuid_key UNIQUE (event_uuid);

--
-- Name: notification_events notification_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_events
    ADD CONSTRAINT notification_events_pkey PRIMARY KEY (event_id);

--
-- Name: order_lines order_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_lines
    ADD CONSTRAINT order_lines_pkey PRIMARY KEY (order_id, line_no);

--
-- Name: order_stage_times order_stage_times_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_stage_times
    ADD CONSTRAINT order_stage_times_pkey PRIMARY KEY (order_id, stage);

--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (order_id);

--
-- Name: parked_milestones parked_milestones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.parked_milestones
    ADD CONSTRAINT parked_milestones_pkey PRIMARY KEY (source, source_event_id);

--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (payment_id);

--
-- Name: policy_versions policy_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.policy_versions
    ADD CONSTRAINT policy_versions_pkey PRIMARY KEY (version);

--
-- Name: projection_queue projection_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projection_queue
    ADD CONSTRAINT projection_queue_pkey PRIMARY KEY (queue_id);

--
-- Name: queue_items queue_items_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queue_items
    ADD CONSTRAINT queue_items_pkey PRIMARY KEY (order_id);

--
-- Name: queue_snapshots queue_snapshots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queue_snapshots
    ADD CONSTRAINT queue_snapshots_pkey PRIMARY KEY (taken_at, warehouse, stage);

--
-- Name: returns returns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.returns
    ADD CONSTRAINT returns_pkey PRIMARY KEY (return_id);

--
-- Name: risk_flag_events risk_flag_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_flag_events
    ADD CONSTRAINT risk_flag_events_pkey PRIMARY KEY (event_id);

--
-- Name: risk_flags risk_flags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_flags
    ADD CONSTRAINT risk_flags_pkey PRIMARY KEY (flag_id);

--
-- Name: risk_models risk_models_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_models
    ADD CONSTRAINT risk_models_pkey PRIMARY KEY (version);

--
-- Name: risk_scores risk_scores_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_scores
    ADD CONSTRAINT risk_scores_pkey PRIMARY KEY (order_id);

--
-- Name: rules_sweeps rules_sweeps_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rules_sweeps
    ADD CONSTRAINT rules_sweeps_pkey PRIMARY KEY (swept_at);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id_hash);

--
-- Name: shipments shipments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shipments
    ADD CONSTRAINT shipments_pkey PRIMARY KEY (shipment_id);

--
-- Name: sign_in_failures sign_in_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sign_in_failures
    ADD CONSTRAINT sign_in_failures_pkey PRIMARY KEY (id);

--
-- Name: source_states source_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_states
    ADD CONSTRAINT source_states_pkey PRIMARY KEY (source);

--
-- Name: source_thresholds source_thresholds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.source_thresholds
    ADD CONSTRAINT source_thresholds_pkey PRIMARY KEY (source);

--
-- Name: teams teams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (team_id);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (username);

--
-- Name: webhook_inbox webhook_inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_inbox
    ADD CONSTRAINT webhook_inbox_pkey PRIMARY KEY (inbox_id);

--
-- Name: webhook_inbox webhook_inbox_provider_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_inbox
    ADD CONSTRAINT webhook_inbox_provider_event_id_key UNIQUE (provider, event_id);

--
-- Name: api_tokens_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_tokens_by_user ON public.api_tokens USING btree (username);

--
-- Name: change_feed_by_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX change_feed_by_time ON public.change_feed USING btree (changed_at);

--
-- Name: change_feed_by_txid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX change_feed_by_txid ON public.change_feed USING btree (txid, change_id);

--
-- Name: collector_runs_failed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX collector_runs_failed_idx ON public.collector_runs USING btree (started_at DESC) WHERE (status = ANY (ARRAY['failed'::text, 'fatal'::text]));

--
-- Name: collector_runs_progress_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX collector_runs_progress_idx ON public.collector_runs USING btree (source, stream, started_at DESC) WHERE (data_through IS NOT NULL);

--
-- Name: collector_runs_stream_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX collector_runs_stream_idx ON public.collector_runs USING btree (source, stream, started_at DESC);

--
-- Name: dead_letters_open_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dead_letters_open_idx ON public.dead_letters USING btree (source, stream) WHERE (status = 'open'::text);

--
-- Name: dead_letters_replay_requested; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dead_letters_replay_requested ON public.dead_letters USING btree (replay_requested_at, dead_letter_id) WHERE (replay_requested_at IS NOT NULL);

--
-- Name: dirty_orders_marked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dirty_orders_marked_at_idx ON public.dirty_orders USING btree (marked_at);

--
-- Name: edi_files_partner_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX edi_files_partner_idx ON public.edi_files USING btree (partner_id, received_at);

--
-- Name: exception_events_action_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exception_events_action_at_idx ON public.exception_events USING btree (action, at);

--
-- Name: exception_events_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exception_events_at_idx ON public.exception_events USING btree (at);

--
-- Name: exception_events_exception_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exception_events_exception_idx ON public.exception_events USING btree (exception_id, at);

--
-- Name: exceptions_kind_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_kind_status_idx ON public.exceptions USING btree (kind, status);

--
-- Name: exceptions_one_open_per_order_kind_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX exceptions_one_open_per_order_kind_idx ON public.exceptions USING btree (COALESCE(order_id, ''::text), kind, subject) WHERE (status <> 'resolved'::text);

--
-- Name: exceptions_open_by_team_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_open_by_team_idx ON public.exceptions USING btree (team_id, priority DESC) WHERE (status <> 'resolved'::text);

--
-- Name: exceptions_open_due_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_open_due_idx ON public.exceptions USING btree (due_at) WHERE ((status <> 'resolved'::text) AND (escalation_tier < 2));

--
-- Name: exceptions_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_order_idx ON public.exceptions USING btree (order_id);

--
-- Name: exceptions_resolved_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_resolved_at_idx ON public.exceptions USING btree (resolved_at) WHERE (resolved_at IS NOT NULL);

--
-- Name: exceptions_snoozed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX exceptions_snoozed_idx ON public.exceptions USING btree (snoozed_until) WHERE (status = 'snoozed'::text);

--
-- Name: flow_order_days_day_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flow_order_days_day_idx ON public.flow_order_days USING btree (span_days, day);

--
-- Name: flow_orders_placed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flow_orders_placed_idx ON public.flow_orders USING btree (placed_at);

--
-- Name: flow_transition_days_day_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flow_transition_days_day_idx ON public.flow_transition_days USING btree (span_days, day);

--
-- Name: flow_transitions_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flow_transitions_order_idx ON public.flow_transitions USING btree (order_id);

--
-- Name: flow_transitions_placed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flow_transitions_placed_idx ON public.flow_transitions USING btree (object_type, placed_at);

--
-- Name: identifiers_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX identifiers_order_idx ON public.identifiers USING btree (order_id);

--
-- Name: identifiers_value_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX identifiers_value_idx ON public.identifiers USING btree (value);

--
-- Name: identifiers_value_prefix_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX identifiers_value_prefix_idx ON public.identifiers USING btree (value text_pattern_ops);

--
-- Name: incident_orders_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX incident_orders_order_idx ON public.incident_orders USING btree (order_id);

--
-- Name: invoices_invoice_no_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoices_invoice_no_idx ON public.invoices USING btree (invoice_no);

--
-- Name: invoices_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoices_order_idx ON public.invoices USING btree (order_id);

--
-- Name: kpi_daily_measure_day_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_daily_measure_day_idx ON public.kpi_daily USING btree (measure, day);

--
-- Name: kpi_facts_anchor_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_facts_anchor_idx ON public.kpi_facts USING btree (measure, anchor_at);

--
-- Name: kpi_facts_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_facts_customer_idx ON public.kpi_facts USING btree (customer_id, measure, anchor_at);

--
-- Name: kpi_facts_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_facts_order_idx ON public.kpi_facts USING btree (order_id);

--
-- Name: kpi_facts_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_facts_subject_idx ON public.kpi_facts USING btree (subject);

--
-- Name: kpi_facts_value_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX kpi_facts_value_idx ON public.kpi_facts USING btree (measure, num DESC);

--
-- Name: milestones_recorded_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX milestones_recorded_at_idx ON public.milestones USING btree (recorded_at);

--
-- Name: milestones_timeline_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX milestones_timeline_idx ON public.milestones USING btree (order_id, occurred_at);

--
-- Name: notification_deliveries_dead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_deliveries_dead ON public.notification_deliveries USING btree (last_attempt_at) WHERE (status = 'dead'::text);

--
-- Name: notification_deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_deliveries_due ON public.notification_deliveries USING btree (send_after) WHERE (status = 'pending'::text);

--
-- Name: notification_deliveries_open_by_target; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_deliveries_open_by_target ON public.notification_deliveries USING btree (channel, target) WHERE ((status = 'pending'::text) AND (attempts = 0));

--
-- Name: notification_delivery_events_by_event; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_delivery_events_by_event ON public.notification_delivery_events USING btree (event_id);

--
-- Name: notification_events_by_exception; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_events_by_exception ON public.notification_events USING btree (exception_id);

--
-- Name: notification_events_to_route; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notification_events_to_route ON public.notification_events USING btree (event_id) WHERE (routed_at IS NULL);

--
-- Name: order_stage_times_entered_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX order_stage_times_entered_idx ON public.order_stage_times USING btree (entered_at, warehouse, stage);

--
-- Name: orders_customer_name_placed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_customer_name_placed_idx ON public.orders USING btree (customer_name, placed_at DESC);

--
-- Name: orders_customer_name_trgm_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_customer_name_trgm_idx ON public.orders USING gin (customer_name public.gin_trgm_ops);

--
-- Name: orders_customer_po_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_customer_po_idx ON public.orders USING btree (customer_po);

--
-- Name: orders_held_on_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_held_on_idx ON public.orders USING btree (held_on) WHERE (held_on IS NOT NULL);

--
-- Name: orders_next_check_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_next_check_idx ON public.orders USING btree (next_check_at) WHERE (next_check_at IS NOT NULL);

--
-- Name: orders_open_by_warehouse_stage_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_open_by_warehouse_stage_idx ON public.orders USING btree (warehouse, stage) WHERE (status = 'open'::text);

--
-- Name: orders_open_promised_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_open_promised_idx ON public.orders USING btree (promised_at) WHERE (status = 'open'::text);

--
-- Name: orders_placed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_placed_at_idx ON public.orders USING btree (placed_at);

--
-- Name: orders_step_system_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_step_system_idx ON public.orders USING btree (step_system) WHERE (step_system IS NOT NULL);

--
-- Name: parked_milestones_ref_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX parked_milestones_ref_idx ON public.parked_milestones USING btree (ref_system, ref_kind, ref_value);

--
-- Name: payments_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_order_idx ON public.payments USING btree (order_id);

--
-- Name: projection_queue_order_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX projection_queue_order_id_idx ON public.projection_queue USING btree (order_id);

--
-- Name: queue_items_cell_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX queue_items_cell_idx ON public.queue_items USING btree (warehouse, stage, entered_at);

--
-- Name: queue_snapshots_stage_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX queue_snapshots_stage_idx ON public.queue_snapshots USING btree (stage, taken_at) INCLUDE (warehouse, depth, oldest_age_seconds);

--
-- Name: returns_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX returns_order_idx ON public.returns USING btree (order_id);

--
-- Name: risk_flag_events_flag_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX risk_flag_events_flag_idx ON public.risk_flag_events USING btree (flag_id, at);

--
-- Name: risk_flags_model_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX risk_flags_model_idx ON public.risk_flags USING btree (model_version, status);

--
-- Name: risk_flags_one_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX risk_flags_one_open ON public.risk_flags USING btree (order_id, kind) WHERE (status = 'open'::text);

--
-- Name: risk_flags_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX risk_flags_order_idx ON public.risk_flags USING btree (order_id, raised_at DESC);

--
-- Name: risk_flags_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX risk_flags_status_idx ON public.risk_flags USING btree (status, raised_at DESC);

--
-- Name: risk_models_one_in_service; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX risk_models_one_in_service ON public.risk_models USING btree (kind) WHERE (status = 'in_service'::text);

--
-- Name: risk_scores_score_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX risk_scores_score_idx ON public.risk_scores USING btree (score DESC);

--
-- Name: sessions_expires_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_expires_at_idx ON public.sessions USING btree (expires_at);

--
-- Name: sessions_open_by_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_open_by_user_idx ON public.sessions USING btree (username) WHERE (revoked_at IS NULL);

--
-- Name: shipments_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX shipments_order_idx ON public.shipments USING btree (order_id);

--
-- Name: shipments_tracking_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX shipments_tracking_idx ON public.shipments USING btree (tracking_no);

--
-- Name: sign_in_failures_address_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sign_in_failures_address_idx ON public.sign_in_failures USING btree (address, failed_at);

--
-- Name: sign_in_failures_failed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sign_in_failures_failed_at_idx ON public.sign_in_failures USING btree (failed_at);

--
-- Name: sign_in_failures_username_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sign_in_failures_username_idx ON public.sign_in_failures USING btree (username, failed_at);

--
-- Name: webhook_inbox_new_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_inbox_new_idx ON public.webhook_inbox USING btree (inbox_id) WHERE (status = 'new'::text);

--
-- Name: exception_events exception_events_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER exception_events_notify AFTER INSERT ON public.exception_events REFERENCING NEW TABLE AS new_audit FOR EACH STATEMENT EXECUTE FUNCTION public.notification_events_from_audit();

--
-- Name: exceptions exceptions_change_feed_ins; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER exceptions_change_feed_ins AFTER INSERT ON public.exceptions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.change_feed_exceptions();

--
-- Name: exceptions exceptions_change_feed_upd; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER exceptions_change_feed_upd AFTER UPDATE ON public.exceptions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.change_feed_exceptions();

--
-- Name: exceptions exceptions_kpi_mark_ins; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER exceptions_kpi_mark_ins AFTER INSERT ON public.exceptions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_mark_exceptions();

--
-- Name: exceptions exceptions_kpi_mark_upd; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER exceptions_kpi_mark_upd AFTER UPDATE ON public.exceptions REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_mark_changed_exceptions();

--
-- Name: orders orders_change_feed_ins; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_change_feed_ins AFTER INSERT ON public.orders REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.change_feed_orders();

--
-- Name: orders orders_change_feed_upd; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_change_feed_upd AFTER UPDATE ON public.orders REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.change_feed_orders();

--
-- Name: orders orders_kpi_mark_ins; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_kpi_mark_ins AFTER INSERT ON public.orders REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_mark_orders();

--
-- Name: orders orders_kpi_mark_upd; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_kpi_mark_upd AFTER UPDATE ON public.orders REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_mark_changed_orders();

--
-- Name: api_tokens api_tokens_username_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_username_fkey FOREIGN KEY (username) REFERENCES public.users(username);

--
-- Name: exception_events exception_events_exception_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exception_events
    ADD CONSTRAINT exception_events_exception_id_fkey FOREIGN KEY (exception_id) REFERENCES public.exceptions(exception_id);

--
-- Name: exceptions exceptions_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.exceptions
    ADD CONSTRAINT exceptions_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(team_id);

--
-- Name: incident_orders incident_orders_exception_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incident_orders
    ADD CONSTRAINT incident_orders_exception_id_fkey FOREIGN KEY (exception_id) REFERENCES public.exceptions(exception_id);

--
-- Name: invoices invoices_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: notification_delivery_events notification_delivery_events_delivery_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_delivery_events
    ADD CONSTRAINT notification_delivery_events_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.notification_deliveries(delivery_id);

--
-- Name: notification_delivery_events notification_delivery_events_event_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_delivery_events
    ADD CONSTRAINT notification_delivery_events_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.notification_events(event_id);

--
-- Name: order_lines order_lines_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_lines
    ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: orders orders_owner_team_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_owner_team_fkey FOREIGN KEY (owner_team) REFERENCES public.teams(team_id);

--
-- Name: payments payments_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: returns returns_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.returns
    ADD CONSTRAINT returns_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) DEFERRABLE INITIALLY DEFERRED;

--
-- Name: risk_flag_events risk_flag_events_flag_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_flag_events
    ADD CONSTRAINT risk_flag_events_flag_id_fkey FOREIGN KEY (flag_id) REFERENCES public.risk_flags(flag_id);

--
-- Name: risk_flags risk_flags_model_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_flags
    ADD CONSTRAINT risk_flags_model_version_fkey FOREIGN KEY (model_version) REFERENCES public.risk_models(version);

--
-- Name: risk_scores risk_scores_model_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.risk_scores
    ADD CONSTRAINT risk_scores_model_version_fkey FOREIGN KEY (model_version) REFERENCES public.risk_models(version);

--
-- Name: sessions sessions_username_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_username_fkey FOREIGN KEY (username) REFERENCES public.users(username) ON DELETE CASCADE;

--
-- Name: shipments shipments_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shipments
    ADD CONSTRAINT shipments_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) DEFERRABLE INITIALLY DEFERRED;

--
-- PostgreSQL database dump complete
--
