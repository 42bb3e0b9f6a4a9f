-- Events, partitioned by the time they were received (native range partitioning, so retention
-- is DROP of whole partitions). A DEFAULT partition means an insert never fails for want of one.
CREATE TABLE events (
    event_id       uuid NOT NULL,
    project_id     bigint NOT NULL,
    incident_id    bigint NOT NULL,
    received_at    timestamptz NOT NULL,
    occurred_at    timestamptz NOT NULL,
    level          text NOT NULL,
    error_type     text NOT NULL DEFAULT '',
    message        text NOT NULL DEFAULT '',
    commit_sha     text,
    -- native | release | tag | mapping | none
    commit_source  text NOT NULL DEFAULT 'none',
    environment    text NOT NULL DEFAULT 'production',
    release        text,
    deployment_id  text,
    platform       text NOT NULL DEFAULT 'other',
    tags           jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The scrubbed event as received; its frames are not stored again in a column of their own
    -- (the incident keeps its latest event's reduced stack in incidents.latest_stack).
    payload        jsonb NOT NULL,
    PRIMARY KEY (event_id, received_at)
) PARTITION BY RANGE (received_at);

CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_incident_idx ON events (incident_id, received_at DESC);

-- Idempotency: a unique key on a partitioned table must include the partition key, so re-sent
-- event ids are caught here, in one small unpartitioned table.
CREATE TABLE event_receipts (
    project_id   bigint NOT NULL,
    event_id     uuid NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, event_id)
);

-- Creates the monthly partitions covering [from_month, from_month + months).
CREATE FUNCTION railguard_ensure_event_partitions(from_month date, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    start_at date := date_trunc('month', from_month)::date;
    stop_at  date;
    part     text;
    created  integer := 0;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        stop_at := (start_at + interval '1 month')::date;
        part := format('events_%s', to_char(start_at, 'YYYYMM'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                           part, start_at, stop_at);
            created := created + 1;
        END IF;
        start_at := stop_at;
    END LOOP;
    RETURN created;
END;
$$;

SELECT railguard_ensure_event_partitions(current_date, 3);
