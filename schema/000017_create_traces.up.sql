-- Performance data (docs/performance.md): transactions and their spans, partitioned by the UTC
-- day the transaction started (retention drops whole days); per-route metrics at minute, hour
-- and day resolution with mergeable histograms; span groups per route and hour.

CREATE TABLE transactions (
    project_id      bigint NOT NULL,
    started_at      timestamptz NOT NULL,
    trace_id        uuid NOT NULL,
    span_id         bigint NOT NULL,
    parent_span_id  bigint,
    event_id        uuid,
    received_at     timestamptz NOT NULL,
    environment     text NOT NULL,
    release         text,
    route           text NOT NULL,
    op              text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'ok',
    failed          boolean NOT NULL,
    duration_ms     double precision NOT NULL,
    span_count      integer NOT NULL DEFAULT 0,
    source          text NOT NULL,
    -- Request snapshot (scrubbed request with headers, tags) of a sampled slow or failed one.
    snapshot        jsonb,
    -- A re-sent transaction (same ids, same start) is stored once and counted once.
    PRIMARY KEY (project_id, trace_id, span_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE transactions_default PARTITION OF transactions DEFAULT;
CREATE INDEX transactions_route_idx ON transactions (project_id, route, started_at DESC);
CREATE INDEX transactions_snapshot_idx ON transactions (project_id, route, started_at DESC)
    WHERE snapshot IS NOT NULL;

-- Child spans, partitioned by their transaction's start (a trace's spans leave with it);
-- segment_span_id is NULL for an OTLP span exported without its transaction.
CREATE TABLE spans (
    project_id       bigint NOT NULL,
    tx_started_at    timestamptz NOT NULL,
    trace_id         uuid NOT NULL,
    span_id          bigint NOT NULL,
    parent_span_id   bigint,
    segment_span_id  bigint,
    started_at       timestamptz NOT NULL,
    duration_ms      double precision NOT NULL,
    op               text NOT NULL DEFAULT '',
    description      text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT '',
    data             jsonb
) PARTITION BY RANGE (tx_started_at);
CREATE TABLE spans_default PARTITION OF spans DEFAULT;
CREATE INDEX spans_trace_idx ON spans (project_id, trace_id);

-- Per route metrics; `hist` is the packed log-scale histogram of durations (bucket << 32 |
-- count), merged by traces_hist_merge on upsert. resolution: 'minute', 'hour' or 'day'.
CREATE TABLE route_stats (
    project_id   bigint NOT NULL,
    resolution   text NOT NULL CHECK (resolution IN ('minute', 'hour', 'day')),
    environment  text NOT NULL,
    route        text NOT NULL,
    bucket       timestamptz NOT NULL,
    count        bigint NOT NULL,
    errors       bigint NOT NULL,
    duration_sum double precision NOT NULL,
    hist         bigint[] NOT NULL,
    PRIMARY KEY (project_id, resolution, environment, route, bucket)
);
CREATE INDEX route_stats_window_idx ON route_stats (project_id, resolution, bucket);

-- Time spent per span group (op + normalised description) per route and hour.
CREATE TABLE span_stats (
    project_id   bigint NOT NULL,
    environment  text NOT NULL,
    route        text NOT NULL,
    bucket       timestamptz NOT NULL,
    op           text NOT NULL,
    description  text NOT NULL,
    count        bigint NOT NULL,
    total_ms     double precision NOT NULL,
    PRIMARY KEY (project_id, environment, route, bucket, op, description)
);
CREATE INDEX span_stats_bucket_idx ON span_stats (bucket);

-- Errors link to their trace (contexts.trace.trace_id of the event).
CREATE INDEX events_trace_idx ON events (project_id, (payload #>> '{contexts,trace,trace_id}'));

-- Adds two packed histograms (see docs/performance.md#histograms).
CREATE FUNCTION traces_hist_merge(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg((k << 32) | c ORDER BY k), '{}')
    FROM (SELECT v >> 32 AS k, sum(v & 4294967295)::bigint AS c
          FROM unnest(a || b) AS v GROUP BY 1) AS merged
$$;

-- Creates the daily partitions of transactions and spans covering [from_day, from_day + days).
CREATE FUNCTION traces_ensure_partitions(from_day date, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    day     date := from_day;
    parent  text;
    part    text;
    created integer := 0;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        FOREACH parent IN ARRAY ARRAY['transactions', 'spans'] LOOP
            part := format('%s_%s', parent, to_char(day, 'YYYYMMDD'));
            IF to_regclass(part) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                               part, parent, day::timestamp AT TIME ZONE 'UTC',
                               (day + 1)::timestamp AT TIME ZONE 'UTC');
                created := created + 1;
            END IF;
        END LOOP;
        day := day + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops the daily partitions wholly before `before`; the number dropped.
CREATE FUNCTION traces_drop_partitions(before date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part    record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('transactions'::regclass, 'spans'::regclass)
          AND c.relname ~ '^(transactions|spans)_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < before
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT traces_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, 4);
