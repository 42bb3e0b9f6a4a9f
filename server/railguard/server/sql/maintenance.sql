-- name: schema_is_migrated$
-- Whether the Railguard schema is there (admin commands refuse to run on an empty database).
SELECT to_regclass('schema_migrations') IS NOT NULL AND to_regclass('projects') IS NOT NULL;

-- name: try_maintenance_lock$
-- One maintenance pass at a time across every server sharing the database.
SELECT pg_try_advisory_lock(:key);

-- name: maintenance_unlock$
SELECT pg_advisory_unlock(:key);

-- name: database_now$
SELECT now();

-- name: ensure_daily_partitions$
SELECT railguard_ensure_daily_event_partitions(:from_day, :days);

-- name: event_partitions
SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass ORDER BY c.relname;

-- name: drop_event_partition$
SELECT railguard_drop_event_partition(:name);

-- name: delete_default_events_before!
-- Events that fell into the DEFAULT partition age out row by row, a batch at a time.
DELETE FROM events_default WHERE ctid IN (
    SELECT ctid FROM events_default WHERE received_at < :cutoff LIMIT :batch
);

-- name: projects_with_retention
SELECT id, retention_days FROM projects WHERE retention_days IS NOT NULL;

-- name: delete_project_events_before!
-- A project keeping less than the server-wide retention: its old rows go a batch at a time
-- (partitions are shared by every project, so this one cannot be a partition drop).
DELETE FROM events WHERE (event_id, received_at) IN (
    SELECT event_id, received_at FROM events
    WHERE project_id = :project_id AND received_at < :cutoff LIMIT :batch
);

-- name: delete_receipts_before!
DELETE FROM event_receipts WHERE ctid IN (
    SELECT ctid FROM event_receipts WHERE received_at < :cutoff LIMIT :batch
);

-- name: set_project_retention^
UPDATE projects SET retention_days = :days WHERE id = :project_id AND deleted_at IS NULL
RETURNING id, retention_days;

-- name: try_xact_lock$
-- Take the transaction-scoped advisory lock :key if no other session holds it.
SELECT pg_try_advisory_xact_lock(:key);
