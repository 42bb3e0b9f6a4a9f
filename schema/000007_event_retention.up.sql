-- Retention by dropping whole partitions: events get daily partitions from now on (monthly ones
-- left by 000006 stay until retention drops them), created ahead by the server's maintenance
-- task, and projects may keep their events for less time than the server-wide setting.

ALTER TABLE projects ADD COLUMN retention_days integer CHECK (retention_days > 0);

-- Create the daily partitions covering [from_day, from_day + days), in UTC. A day already
-- covered by a partition (an older monthly one) is skipped. Rows for the day that fell into the
-- DEFAULT partition are moved into the new one, so the attach never fails.
CREATE FUNCTION railguard_ensure_daily_event_partitions(from_day date, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    day      date;
    lower_at timestamptz;
    upper_at timestamptz;
    part     text;
    created  integer := 0;
BEGIN
    FOR i IN 0 .. days - 1 LOOP
        day := from_day + i;
        part := format('events_%s', to_char(day, 'YYYYMMDD'));
        lower_at := (day::text || ' 00:00:00+00')::timestamptz;
        upper_at := ((day + 1)::text || ' 00:00:00+00')::timestamptz;
        CONTINUE WHEN to_regclass(part) IS NOT NULL
            OR to_regclass(format('events_%s', to_char(day, 'YYYYMM'))) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       part);
        EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE received_at >= %L '
                       'AND received_at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       lower_at, upper_at, part);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       part, lower_at, upper_at);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- The monthly function of 000006 now makes daily partitions for the same months, so nothing can
-- create a month that overlaps days.
CREATE OR REPLACE FUNCTION railguard_ensure_event_partitions(from_month date, months integer)
RETURNS integer LANGUAGE sql AS $$
    SELECT railguard_ensure_daily_event_partitions(
        date_trunc('month', from_month)::date,
        ((date_trunc('month', from_month) + make_interval(months => months))::date
         - date_trunc('month', from_month)::date)
    );
$$;

-- Empty monthly partitions (all of them on a new install) give way to daily ones.
DO $$
DECLARE
    part text;
    has_rows boolean;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_[0-9]{6}$'
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part) INTO has_rows;
        IF NOT has_rows THEN
            EXECUTE format('DROP TABLE %I', part);
        END IF;
    END LOOP;
END;
$$;

SELECT railguard_ensure_daily_event_partitions(current_date - 1, 16);

-- Drop one of the events partitions by name; anything that is not one is refused.
CREATE FUNCTION railguard_drop_event_partition(part text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF part !~ '^events_[0-9]{6}([0-9]{2})?$' OR NOT EXISTS (
        SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname = part
    ) THEN
        RAISE EXCEPTION 'not an events partition: %', part;
    END IF;
    EXECUTE format('DROP TABLE %I', part);
END;
$$;
