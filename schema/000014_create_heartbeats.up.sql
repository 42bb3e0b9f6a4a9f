-- Every check result, partitioned by day on checked_at: retention drops whole days. The server
-- creates partitions a few days ahead (uptime_ensure_heartbeat_partitions); the DEFAULT
-- partition only catches a result whose day was not created (a clock far off), never losing it.
CREATE TABLE heartbeats (
    monitor_id   bigint NOT NULL,
    checked_at   timestamptz NOT NULL,
    -- The slot the check was claimed for: at most one heartbeat per slot, and checked_at minus
    -- due_at is how late the check started.
    due_at       timestamptz,
    ok           boolean NOT NULL,
    latency_ms   double precision,
    error        text,
    agent_id     bigint
) PARTITION BY RANGE (checked_at);

CREATE TABLE heartbeats_default PARTITION OF heartbeats DEFAULT;
CREATE INDEX heartbeats_monitor_idx ON heartbeats (monitor_id, checked_at DESC);

-- Creates the daily partitions covering [from_day, from_day + days); the number created.
CREATE FUNCTION uptime_ensure_heartbeat_partitions(from_day date, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    day     date := from_day;
    part    text;
    created integer := 0;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        part := format('heartbeats_%s', to_char(day, 'YYYYMMDD'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF heartbeats FOR VALUES FROM (%L) TO (%L)',
                           part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops the daily partitions wholly before `before`; the number dropped.
CREATE FUNCTION uptime_drop_heartbeat_partitions(before date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part    record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'heartbeats'::regclass AND c.relname ~ '^heartbeats_[0-9]{8}$'
          AND to_date(substr(c.relname, 12), 'YYYYMMDD') < before
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END;
$$;

SELECT uptime_ensure_heartbeat_partitions((now() AT TIME ZONE 'UTC')::date - 1, 4);
