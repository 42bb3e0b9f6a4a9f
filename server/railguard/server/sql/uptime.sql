-- name: create_monitor^
-- The first slot is at a random point of the first interval (at most 30 s away): monitors
-- created together (an import, a script) get spread phases instead of all running in the same
-- instant of every interval.
INSERT INTO monitors (project_id, name, kind, config, interval_seconds, timeout_seconds, retries,
                      enabled, agent_id, next_run_at)
VALUES (:project_id, :name, :kind, :config, :interval_seconds, :timeout_seconds, :retries,
        :enabled, :agent_id,
        now() + make_interval(secs => random() * least(:interval_seconds, 30)))
RETURNING *;

-- name: list_monitors
SELECT * FROM monitors WHERE project_id = :project_id ORDER BY id;

-- name: get_monitor_for_user^
-- A monitor and the caller's role, only if the caller is a member of its live project.
SELECT m.*, pm.role FROM monitors m
JOIN projects p ON p.id = m.project_id AND p.deleted_at IS NULL
JOIN project_members pm ON pm.project_id = m.project_id AND pm.user_id = :user_id
WHERE m.id = :monitor_id;

-- name: update_monitor^
-- A changed schedule takes effect now: the next slot is re-planned (with a random phase).
UPDATE monitors SET
    name = coalesce(:name, name),
    enabled = coalesce(:enabled, enabled),
    interval_seconds = coalesce(:interval_seconds, interval_seconds),
    timeout_seconds = coalesce(:timeout_seconds, timeout_seconds),
    retries = coalesce(:retries, retries),
    next_run_at = now() + make_interval(
        secs => random() * least(coalesce(:interval_seconds, interval_seconds), 30)),
    updated_at = now()
WHERE id = :monitor_id
RETURNING *;

-- name: delete_monitor!
DELETE FROM monitors WHERE id = :monitor_id;

-- name: monitor_summary^
SELECT count(*) AS total,
       count(*) FILTER (WHERE enabled) AS enabled,
       count(*) FILTER (WHERE enabled AND state = 'up') AS up,
       count(*) FILTER (WHERE enabled AND state = 'down') AS down,
       count(*) FILTER (WHERE enabled AND state = 'unknown') AS unknown,
       count(*) FILTER (WHERE enabled AND state = 'pending') AS pending,
       (SELECT count(*) FROM outages o
        WHERE o.project_id = :project_id AND o.resolved_at IS NULL) AS open_outages
FROM monitors WHERE project_id = :project_id;

-- name: claim_due_monitors
-- Take the monitors due within the lookahead and move each one's next slot past now(), in one
-- statement: a second process skips the locked rows and then finds them no longer due, so a
-- slot runs once. Slots missed while nothing ran are skipped (not replayed): the next slot
-- keeps the monitor's phase and lies in the future.
WITH due AS (
    SELECT id, next_run_at FROM monitors
    WHERE enabled AND agent_id IS NOT DISTINCT FROM :agent_id
      AND next_run_at <= now() + make_interval(secs => :lookahead)
      AND EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id AND p.deleted_at IS NULL)
    ORDER BY next_run_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE monitors m SET next_run_at = due.next_run_at + make_interval(
    secs => m.interval_seconds * (1 + floor(greatest(0, extract(epoch FROM now() - due.next_run_at))
                                            / m.interval_seconds)))
FROM due WHERE m.id = due.id
-- due_at is the slot itself (so lateness is measured honestly), unless the slot is more than an
-- interval old: then the run is a one-off catch-up, due now.
RETURNING m.id, m.config, m.timeout_seconds,
          CASE WHEN due.next_run_at >= now() - make_interval(secs => m.interval_seconds)
               THEN due.next_run_at ELSE now() END AS due_at;

-- name: lock_monitor^
SELECT m.*, (SELECT o.id FROM outages o WHERE o.monitor_id = m.id AND o.resolved_at IS NULL)
            AS open_outage_id
FROM monitors m WHERE m.id = :monitor_id FOR UPDATE;

-- name: insert_heartbeat!
INSERT INTO heartbeats (monitor_id, checked_at, due_at, ok, latency_ms, error, agent_id)
VALUES (:monitor_id, :checked_at, :due_at, :ok, :latency_ms, :error, :agent_id);

-- name: add_to_rollup!
INSERT INTO uptime_rollups (monitor_id, bucket, checks, up, latency_hist)
VALUES (:monitor_id, date_trunc('hour', :checked_at::timestamptz), 1, :up, :hist)
ON CONFLICT (monitor_id, bucket) DO UPDATE SET
    checks = uptime_rollups.checks + 1,
    up = uptime_rollups.up + EXCLUDED.up,
    latency_hist = (SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i)
                    FROM unnest(uptime_rollups.latency_hist, EXCLUDED.latency_hist)
                         WITH ORDINALITY AS t (a, b, i));

-- name: set_monitor_result!
UPDATE monitors SET
    state = :state,
    consecutive_failures = :consecutive_failures,
    failing_since = CASE WHEN :ok THEN NULL ELSE coalesce(failing_since, :checked_at) END,
    last_checked_at = :checked_at,
    last_error = :error,
    last_latency_ms = :latency_ms,
    cert_expires_at = coalesce(:cert_expires_at, cert_expires_at),
    cert_alerted_for = coalesce(:cert_alerted_for, cert_alerted_for),
    updated_at = now()
WHERE id = :monitor_id;

-- name: open_outage^
-- The partial unique index makes a second open outage for a monitor impossible.
INSERT INTO outages (project_id, monitor_id, started_at, first_error)
VALUES (:project_id, :monitor_id, :started_at, :first_error)
ON CONFLICT (monitor_id) WHERE resolved_at IS NULL DO NOTHING
RETURNING *;

-- name: resolve_outage^
UPDATE outages SET resolved_at = :resolved_at,
                   time_to_resolve = extract(epoch FROM :resolved_at::timestamptz - started_at)
WHERE monitor_id = :monitor_id AND resolved_at IS NULL
RETURNING *;

-- name: list_outages
SELECT * FROM outages
WHERE project_id = :project_id
  AND (:open_only::boolean IS NOT TRUE OR resolved_at IS NULL)
  AND (:monitor_id::bigint IS NULL OR monitor_id = :monitor_id)
ORDER BY started_at DESC, id DESC
LIMIT :limit;

-- name: acknowledge_outage^
-- Only outages of the user's live projects; acknowledging twice keeps the first time.
UPDATE outages o SET acknowledged_at = coalesce(o.acknowledged_at, now()),
                     acknowledged_by = coalesce(o.acknowledged_by, :user_id)
FROM projects p, project_members pm
WHERE o.id = :outage_id AND p.id = o.project_id AND p.deleted_at IS NULL
  AND pm.project_id = o.project_id AND pm.user_id = :user_id
RETURNING o.*;

-- name: record_uptime_alert!
-- The event and its alert decision, in the caller's transaction: the decision goes to every
-- enabled channel of the project (no rule), once per event (dedupe_key), and wakes the
-- dispatchers at commit.
WITH event AS (
    INSERT INTO uptime_alerts (project_id, monitor_id, outage_id, kind, payload)
    VALUES (:project_id, :monitor_id, :outage_id, :kind, :payload)
    RETURNING id, project_id, kind, payload
), decided AS (
    INSERT INTO alert_outbox (project_id, rule_id, incident_id, trigger, dedupe_key, detail)
    SELECT project_id, NULL, NULL, kind, 'uptime:' || id,
           payload || jsonb_build_object('uptime_alert_id', id)
    FROM event
)
SELECT pg_notify('railguard_alerts', '');

-- name: stamp_uptime_alerts!
-- Their deliveries are written (the alert outbox row was expanded).
UPDATE uptime_alerts SET delivered_at = now()
WHERE id = ANY (:ids::bigint[]) AND delivered_at IS NULL;

-- name: rollup_window^
SELECT coalesce(sum(checks), 0)::bigint AS checks, coalesce(sum(up), 0)::bigint AS up
FROM uptime_rollups
WHERE monitor_id = :monitor_id AND bucket >= date_trunc('hour', now() - :span::interval);

-- name: rollup_histograms
SELECT latency_hist FROM uptime_rollups
WHERE monitor_id = :monitor_id AND bucket >= date_trunc('hour', now() - :span::interval);

-- name: recent_heartbeats
SELECT checked_at, ok, latency_ms, error, agent_id FROM heartbeats
WHERE monitor_id = :monitor_id AND checked_at >= now() - :span::interval
ORDER BY checked_at DESC LIMIT :limit;

-- name: mark_stale_unknown$
-- Never "up" by default: a monitor whose results stopped (its agent went away, or nothing ran
-- it) for three intervals, or whose external agent is offline, is unknown until a result comes.
WITH stale AS (
    UPDATE monitors m SET state = 'unknown', updated_at = now()
    WHERE m.enabled AND m.state <> 'unknown'
      AND (coalesce(m.last_checked_at, m.updated_at)
               < now() - make_interval(secs => m.interval_seconds * 3 + m.timeout_seconds + :grace)
           OR EXISTS (SELECT 1 FROM uptime_agents a WHERE a.id = m.agent_id
                      AND (a.revoked_at IS NOT NULL
                           OR coalesce(a.last_seen_at, a.created_at)
                              < now() - make_interval(secs => :agent_offline_after))))
    RETURNING 1
)
SELECT count(*) FROM stale;

-- name: ensure_heartbeat_partitions$
SELECT uptime_ensure_heartbeat_partitions(:from_day, :days);

-- name: drop_heartbeat_partitions$
SELECT uptime_drop_heartbeat_partitions(:before);

-- name: delete_old_rollups$
WITH gone AS (DELETE FROM uptime_rollups WHERE bucket < now() - :keep::interval RETURNING 1)
SELECT count(*) FROM gone;

-- name: create_agent^
INSERT INTO uptime_agents (project_id, name, key_hash, key_prefix)
VALUES (:project_id, :name, :key_hash, :key_prefix)
RETURNING *;

-- name: list_agents
SELECT * FROM uptime_agents WHERE project_id = :project_id ORDER BY id;

-- name: revoke_agent^
UPDATE uptime_agents SET revoked_at = coalesce(revoked_at, now())
WHERE id = :agent_id AND project_id = :project_id
RETURNING *;

-- name: get_agent^
SELECT * FROM uptime_agents WHERE id = :agent_id AND project_id = :project_id;

-- name: agent_seen^
-- An agent's liveness report: who it is, what it can do, and when it was last heard from.
UPDATE uptime_agents SET last_seen_at = now(), hostname = :hostname, version = :version,
                         can_ping = :can_ping
WHERE key_hash = :key_hash AND revoked_at IS NULL
RETURNING *;

-- name: touch_agent^
UPDATE uptime_agents SET last_seen_at = now()
WHERE key_hash = :key_hash AND revoked_at IS NULL
RETURNING *;

-- name: delete_monitor_by_id$
-- An administrator's delete (the CLI): the monitor's id, or NULL when there was none.
DELETE FROM monitors WHERE id = :monitor_id RETURNING id;
