-- Performance data: transactions, spans, per-route metrics (docs/performance.md).

-- name: insert_transactions
-- The rows not already stored (a re-sent transaction has the same key): only those are counted.
INSERT INTO transactions (project_id, started_at, trace_id, span_id, parent_span_id, event_id,
                          received_at, environment, release, route, op, status, failed,
                          duration_ms, span_count, source, snapshot)
SELECT * FROM unnest(:project_ids::bigint[], :started_ats::timestamptz[], :trace_ids::uuid[],
                     :span_ids::bigint[], :parent_span_ids::bigint[], :event_ids::uuid[],
                     :received_ats::timestamptz[], :environments::text[], :releases::text[],
                     :routes::text[], :ops::text[], :statuses::text[], :faileds::boolean[],
                     :durations::float8[], :span_counts::integer[], :sources::text[],
                     :snapshots::text[]::jsonb[])
ON CONFLICT DO NOTHING
RETURNING project_id, trace_id, span_id;

-- name: insert_spans!
INSERT INTO spans (project_id, tx_started_at, trace_id, span_id, parent_span_id, segment_span_id,
                   started_at, duration_ms, op, description, status, data)
SELECT * FROM unnest(:project_ids::bigint[], :tx_started_ats::timestamptz[], :trace_ids::uuid[],
                     :span_ids::bigint[], :parent_span_ids::bigint[], :segment_span_ids::bigint[],
                     :started_ats::timestamptz[], :durations::float8[], :ops::text[],
                     :descriptions::text[], :statuses::text[], :datas::text[]::jsonb[]);

-- name: upsert_route_stats!
-- One row per key in the arrays (the writer adds a batch up first), in key order so concurrent
-- writers lock rows in the same order.
INSERT INTO route_stats AS r (project_id, resolution, environment, route, bucket, count, errors,
                              duration_sum, hist)
SELECT p, res, env, route, b, n, e, s, h::bigint[]
FROM unnest(:project_ids::bigint[], :resolutions::text[], :environments::text[],
            :routes::text[], :buckets::timestamptz[], :counts::bigint[], :errors::bigint[],
            :sums::float8[], :hists::text[]) AS u(p, res, env, route, b, n, e, s, h)
ON CONFLICT (project_id, resolution, environment, route, bucket) DO UPDATE
SET count = r.count + excluded.count,
    errors = r.errors + excluded.errors,
    duration_sum = r.duration_sum + excluded.duration_sum,
    hist = traces_hist_merge(r.hist, excluded.hist);

-- name: upsert_span_stats!
INSERT INTO span_stats AS g (project_id, environment, route, bucket, op, description, count,
                             total_ms)
SELECT * FROM unnest(:project_ids::bigint[], :environments::text[], :routes::text[],
                     :buckets::timestamptz[], :ops::text[], :descriptions::text[],
                     :counts::bigint[], :totals::float8[])
ON CONFLICT (project_id, environment, route, bucket, op, description) DO UPDATE
SET count = g.count + excluded.count, total_ms = g.total_ms + excluded.total_ms;

-- name: route_stats_window
SELECT environment, route, count, errors, duration_sum, hist
FROM route_stats
WHERE project_id = :project_id AND resolution = :resolution
  AND bucket >= :since AND bucket < :until
  AND (:environment::text IS NULL OR environment = :environment);

-- name: route_series
SELECT bucket, sum(count)::bigint AS count, sum(errors)::bigint AS errors,
       sum(duration_sum) AS duration_sum, array_agg(array_to_string(hist, ',')) AS hists
FROM route_stats
WHERE project_id = :project_id AND resolution = :resolution AND route = :route
  AND bucket >= :since AND bucket < :until
  AND (:environment::text IS NULL OR environment = :environment)
GROUP BY bucket ORDER BY bucket;

-- name: route_span_groups
SELECT op, description, sum(count)::bigint AS count, sum(total_ms) AS total_ms
FROM span_stats
WHERE project_id = :project_id AND route = :route AND bucket >= :since AND bucket < :until
  AND (:environment::text IS NULL OR environment = :environment)
GROUP BY op, description ORDER BY total_ms DESC LIMIT :limit;

-- name: route_snapshots
SELECT trace_id, span_id, started_at, duration_ms, status, failed, environment
FROM transactions
WHERE project_id = :project_id AND route = :route AND snapshot IS NOT NULL
  AND started_at >= :since AND started_at < :until
  AND (:environment::text IS NULL OR environment = :environment)
ORDER BY started_at DESC LIMIT :limit;

-- name: trace_transactions
SELECT started_at, span_id, parent_span_id, event_id, environment, release, route, op, status,
       failed, duration_ms, span_count, source, snapshot
FROM transactions
WHERE project_id = :project_id AND trace_id = :trace_id
ORDER BY started_at LIMIT 1000;

-- name: trace_spans
SELECT span_id, parent_span_id, segment_span_id, started_at, duration_ms, op, description,
       status, data
FROM spans
WHERE project_id = :project_id AND trace_id = :trace_id
ORDER BY started_at LIMIT 10000;

-- name: trace_errors
SELECT event_id, incident_id, occurred_at, error_type, message, level,
       payload #>> '{contexts,trace,span_id}' AS span_id
FROM events
WHERE project_id = :project_id AND payload #>> '{contexts,trace,trace_id}' = :trace_id
ORDER BY occurred_at LIMIT 100;

-- name: ensure_trace_partitions$
SELECT traces_ensure_partitions(:from_day, :days);

-- name: drop_trace_partitions$
SELECT traces_drop_partitions(:before);

-- name: delete_default_traces_before$
-- Rows whose start fell outside every daily partition (a clock far off) age out by row.
WITH t AS (DELETE FROM transactions_default WHERE started_at < :cutoff RETURNING 1),
     s AS (DELETE FROM spans_default WHERE tx_started_at < :cutoff RETURNING 1)
SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM s);

-- name: delete_route_stats_before$
WITH gone AS (DELETE FROM route_stats WHERE resolution = :resolution AND bucket < :cutoff
              RETURNING 1)
SELECT count(*) FROM gone;

-- name: delete_span_stats_before$
WITH gone AS (DELETE FROM span_stats WHERE bucket < :cutoff RETURNING 1)
SELECT count(*) FROM gone;
