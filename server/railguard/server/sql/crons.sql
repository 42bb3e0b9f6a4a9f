-- name: upsert_cron_monitor^
-- A check-in's monitor_config creates the monitor or updates its schedule.
INSERT INTO cron_monitors (project_id, slug, schedule_type, schedule, timezone, checkin_margin,
                           max_runtime)
VALUES (:project_id, :slug, :schedule_type, :schedule, :timezone, :checkin_margin, :max_runtime)
ON CONFLICT (project_id, slug) DO UPDATE SET
    schedule_type = EXCLUDED.schedule_type, schedule = EXCLUDED.schedule,
    timezone = EXCLUDED.timezone, checkin_margin = EXCLUDED.checkin_margin,
    max_runtime = EXCLUDED.max_runtime, updated_at = now()
RETURNING *;

-- name: cron_monitor_by_slug^
SELECT * FROM cron_monitors WHERE project_id = :project_id AND slug = :slug;

-- name: upsert_cron_checkin^
-- The SDK sends in_progress, then ok/error with the same check_in_id: one row, updated.
INSERT INTO cron_checkins AS c (monitor_id, checkin_id, status, duration_ms, environment, release,
                                started_at, updated_at, timeout_at)
VALUES (:monitor_id, :checkin_id, :status, :duration_ms, :environment, :release, :at, :at,
        CASE WHEN :status = 'in_progress' THEN :timeout_at::timestamptz END)
ON CONFLICT (monitor_id, checkin_id) DO UPDATE SET
    status = EXCLUDED.status, duration_ms = coalesce(EXCLUDED.duration_ms, c.duration_ms),
    environment = coalesce(EXCLUDED.environment, c.environment),
    release = coalesce(EXCLUDED.release, c.release), updated_at = EXCLUDED.updated_at,
    timeout_at = EXCLUDED.timeout_at
RETURNING id, status, started_at;

-- name: cron_checked_in!
UPDATE cron_monitors SET status = :status, last_checkin_at = :at, expected_at = :expected_at,
       deadline_at = :deadline_at, updated_at = now()
WHERE id = :id;

-- name: overdue_cron_monitors
SELECT * FROM cron_monitors WHERE deadline_at <= :now ORDER BY deadline_at LIMIT :limit;

-- name: record_missed_checkins!
INSERT INTO cron_checkins (monitor_id, checkin_id, status, started_at, updated_at)
SELECT :monitor_id, id, 'missed', at, :now
FROM unnest(:checkin_ids::uuid[], :expected::timestamptz[]) AS t(id, at)
ON CONFLICT (monitor_id, checkin_id) DO NOTHING;

-- name: cron_missed!
-- Only if no other process moved the monitor on meanwhile.
UPDATE cron_monitors SET status = 'missed', expected_at = :expected_at,
       deadline_at = :deadline_at, updated_at = now()
WHERE id = :id AND deadline_at = :old_deadline;

-- name: timed_out_checkins
SELECT c.id, c.checkin_id, c.started_at, c.environment, c.release, m.id AS monitor_id,
       m.project_id, m.slug, m.max_runtime
FROM cron_checkins c JOIN cron_monitors m ON m.id = c.monitor_id
WHERE c.status = 'in_progress' AND c.timeout_at <= :now
ORDER BY c.timeout_at LIMIT :limit;

-- name: cron_timed_out!
WITH changed AS (
    UPDATE cron_checkins SET status = 'timeout', updated_at = :now
    WHERE id = :id AND status = 'in_progress' RETURNING monitor_id
)
UPDATE cron_monitors SET status = 'timeout', updated_at = now()
WHERE id IN (SELECT monitor_id FROM changed);

-- name: list_cron_monitors
SELECT * FROM cron_monitors WHERE project_id = :project_id ORDER BY slug;

-- name: cron_monitor_for_user^
SELECT c.* FROM cron_monitors c
JOIN projects p ON p.id = c.project_id AND p.deleted_at IS NULL
JOIN project_members m ON m.project_id = c.project_id AND m.user_id = :user_id
WHERE c.id = :monitor_id;

-- name: list_cron_checkins
SELECT id, replace(checkin_id::text, '-', '') AS checkin_id, status, duration_ms, environment,
       release, started_at, updated_at
FROM cron_checkins WHERE monitor_id = :monitor_id
ORDER BY started_at DESC, id DESC LIMIT :limit;
