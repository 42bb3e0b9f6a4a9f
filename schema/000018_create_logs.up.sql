-- Log records from Sentry SDKs (`log` envelope items) and OpenTelemetry (`/v1/logs`), partitioned
-- by received_at, one partition per UTC day + DEFAULT, like events: retention drops whole days
-- (docs/logs-and-health.md). Searched by text (full-text and trigram), level, time and trace id.
CREATE SEQUENCE log_id_seq;

CREATE TABLE logs (
    id               bigint NOT NULL DEFAULT nextval('log_id_seq'),
    project_id       bigint NOT NULL,
    received_at      timestamptz NOT NULL,
    occurred_at      timestamptz NOT NULL,
    -- trace | debug | info | warn | error | fatal (OpenTelemetry's severity ranges)
    level            text NOT NULL,
    severity_number  integer,
    body             text NOT NULL,
    trace_id         text,
    span_id          text,
    environment      text,
    release          text,
    logger           text,
    source           text NOT NULL CHECK (source IN ('sentry', 'otlp')),
    attributes       jsonb NOT NULL DEFAULT '{}'::jsonb,
    search_vector    tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
) PARTITION BY RANGE (received_at);

CREATE TABLE logs_default PARTITION OF logs DEFAULT;
CREATE INDEX logs_project_time_idx ON logs (project_id, occurred_at DESC, id DESC);
CREATE INDEX logs_trace_idx ON logs (project_id, trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX logs_fts_idx ON logs USING gin (search_vector);
CREATE INDEX logs_trgm_idx ON logs USING gin (body gin_trgm_ops);

-- Creates the daily partitions covering [from_day, from_day + days); the number created.
CREATE FUNCTION logs_ensure_partitions(from_day date, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    day     date := from_day;
    part    text;
    created integer := 0;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        part := format('logs_%s', to_char(day, 'YYYYMMDD'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF logs FOR VALUES FROM (%L) TO (%L)',
                           part, day::timestamp AT TIME ZONE 'UTC',
                           (day + 1)::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops the daily partitions wholly before `before`; the number dropped.
CREATE FUNCTION logs_drop_partitions(before date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part    record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'logs'::regclass AND c.relname ~ '^logs_[0-9]{8}$'
          AND to_date(substr(c.relname, 6), 'YYYYMMDD') < before
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT logs_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, 4);

-- What was received and not kept, per project, UTC day, category and reason: item types the
-- server does not store (origin 'server', reason 'not_supported') and what SDKs report they
-- dropped themselves in `client_report` items (origin 'client', their reason).
CREATE TABLE discarded_items (
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day         date NOT NULL,
    origin      text NOT NULL CHECK (origin IN ('server', 'client')),
    category    text NOT NULL,
    reason      text NOT NULL,
    quantity    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, origin, category, reason)
);
