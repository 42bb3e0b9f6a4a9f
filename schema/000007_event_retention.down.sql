-- Daily partitions stay attached (their rows are events); only the function and the setting go.
DROP FUNCTION railguard_drop_event_partition(text);
-- The monthly function as 000006 made it (it must stop calling the daily one).
CREATE OR REPLACE FUNCTION railguard_ensure_event_partitions(from_month date, months integer)
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
DROP FUNCTION railguard_ensure_daily_event_partitions(date, integer);
ALTER TABLE projects DROP COLUMN retention_days;
