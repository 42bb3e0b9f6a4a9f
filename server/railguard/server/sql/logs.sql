-- name: insert_logs!
INSERT INTO logs (project_id, received_at, occurred_at, level, severity_number, body, trace_id,
                  span_id, environment, release, logger, source, attributes)
SELECT * FROM unnest(:project_ids::bigint[], :received_ats::timestamptz[],
                     :occurred_ats::timestamptz[], :levels::text[], :severity_numbers::integer[],
                     :bodies::text[], :trace_ids::text[], :span_ids::text[],
                     :environments::text[], :releases::text[], :loggers::text[], :sources::text[],
                     :attributes::text[]::jsonb[]);

-- name: count_discarded!
INSERT INTO discarded_items AS d (project_id, day, origin, category, reason, quantity)
SELECT * FROM unnest(:project_ids::bigint[], :days::date[], :origins::text[],
                     :categories::text[], :reasons::text[], :quantities::bigint[])
ON CONFLICT (project_id, day, origin, category, reason)
DO UPDATE SET quantity = d.quantity + EXCLUDED.quantity;

-- name: search_logs
-- Newest first, keyset-paged on (occurred_at, id). Text matches whole words (full-text,
-- `simple` configuration) or any part of the body (trigram-indexed ILIKE).
SELECT id, occurred_at, received_at, level, severity_number, body, trace_id, span_id,
       environment, release, logger, source, attributes
FROM logs
WHERE project_id = :project_id
  AND (:q::text IS NULL OR search_vector @@ websearch_to_tsquery('simple', :q)
       OR body ILIKE '%' || :like::text || '%')
  AND (:levels::text[] IS NULL OR level = ANY(:levels))
  AND (:trace_id::text IS NULL OR trace_id = :trace_id)
  AND (:since::timestamptz IS NULL OR occurred_at >= :since)
  AND (:until::timestamptz IS NULL OR occurred_at < :until)
  AND (:before_at::timestamptz IS NULL OR (occurred_at, id) < (:before_at, :before_id::bigint))
ORDER BY occurred_at DESC, id DESC
LIMIT :limit;

-- name: discarded_counts
-- A project's discarded items over the last :days days, summed per origin, category and reason.
SELECT origin, category, reason, sum(quantity)::bigint AS quantity
FROM discarded_items
WHERE project_id = :project_id AND day > current_date - :days::integer
GROUP BY origin, category, reason
ORDER BY sum(quantity) DESC, category, reason;

-- name: ensure_log_partitions$
SELECT logs_ensure_partitions(:from_day, :days);

-- name: drop_log_partitions$
SELECT logs_drop_partitions(:before);

-- name: delete_default_logs_before!
DELETE FROM logs_default WHERE ctid IN (
    SELECT ctid FROM logs_default WHERE received_at < :cutoff LIMIT :batch
);

-- name: delete_discarded_before!
DELETE FROM discarded_items WHERE day < :before;

-- name: incident_trace_ids
-- The trace ids of an incident's latest events (the SDKs put them in contexts.trace).
SELECT DISTINCT trace_id FROM (
    SELECT payload -> 'contexts' -> 'trace' ->> 'trace_id' AS trace_id
    FROM events WHERE incident_id = :incident_id
    ORDER BY received_at DESC LIMIT :events
) e WHERE trace_id IS NOT NULL;

-- name: logs_of_traces
SELECT id, occurred_at, received_at, level, severity_number, body, trace_id, span_id,
       environment, release, logger, source, attributes
FROM logs
WHERE project_id = :project_id AND trace_id = ANY(:trace_ids::text[])
ORDER BY occurred_at DESC, id DESC
LIMIT :limit;

-- name: delete_old_health!
-- Release health older than the API's longest window, and cron check-ins past retention.
WITH counts AS (DELETE FROM session_counts WHERE hour < :health_before),
     users AS (DELETE FROM session_users WHERE last_seen < :health_before)
DELETE FROM cron_checkins WHERE started_at < :checkins_before;
