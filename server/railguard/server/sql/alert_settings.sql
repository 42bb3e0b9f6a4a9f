-- name: create_default_alerts!
-- What a new project starts with: its members by email, for new and regressed incidents in
-- production.
WITH channel AS (
    INSERT INTO alert_channels (project_id, name, kind) VALUES (:project_id, 'Members by email', 'email')
)
INSERT INTO alert_rules (project_id, name, kind, environments)
VALUES (:project_id, 'New incident in production', 'new', '{production}'),
       (:project_id, 'Regression in production', 'regressed', '{production}');

-- name: list_rules
SELECT * FROM alert_rules WHERE project_id = :project_id ORDER BY id;

-- name: get_rule^
SELECT * FROM alert_rules WHERE project_id = :project_id AND id = :rule_id;

-- name: create_rule^
INSERT INTO alert_rules (project_id, name, kind, enabled, environments, levels, path_prefix,
                         threshold, rate_multiple, window_minutes, after_hours, throttle_minutes,
                         channel_ids)
VALUES (:project_id, :name, :kind, :enabled, :environments, :levels, :path_prefix, :threshold,
        :rate_multiple, :window_minutes, :after_hours, :throttle_minutes, :channel_ids)
RETURNING *;

-- name: update_rule^
UPDATE alert_rules SET name = :name, kind = :kind, enabled = :enabled,
    environments = :environments, levels = :levels, path_prefix = :path_prefix,
    threshold = :threshold, rate_multiple = :rate_multiple, window_minutes = :window_minutes,
    after_hours = :after_hours, throttle_minutes = :throttle_minutes,
    channel_ids = :channel_ids, updated_at = now()
WHERE project_id = :project_id AND id = :rule_id
RETURNING *;

-- name: delete_rule$
DELETE FROM alert_rules WHERE project_id = :project_id AND id = :rule_id RETURNING id;

-- name: list_channels
SELECT * FROM alert_channels WHERE project_id = :project_id ORDER BY id;

-- name: channel_ids_of_project
SELECT id FROM alert_channels WHERE project_id = :project_id;

-- name: create_channel^
INSERT INTO alert_channels (project_id, name, kind, enabled, recipients, url, secret)
VALUES (:project_id, :name, :kind, :enabled, :recipients, :url, :secret)
RETURNING *;

-- name: delete_channel$
DELETE FROM alert_channels WHERE project_id = :project_id AND id = :channel_id RETURNING id;

-- name: get_preferences^
SELECT * FROM alert_preferences WHERE user_id = :user_id AND project_id = :project_id;

-- name: put_preferences^
INSERT INTO alert_preferences (user_id, project_id, enabled, rule_kinds, channels, quiet_until,
                               digest, last_digest_at)
VALUES (:user_id, :project_id, :enabled, :rule_kinds, :channels, :quiet_until, :digest,
        CASE WHEN :digest THEN now() END)
ON CONFLICT (user_id, project_id) DO UPDATE SET
    enabled = EXCLUDED.enabled, rule_kinds = EXCLUDED.rule_kinds, channels = EXCLUDED.channels,
    quiet_until = EXCLUDED.quiet_until, digest = EXCLUDED.digest,
    -- Turning the digest on starts its day now; the first one goes out a day later.
    last_digest_at = CASE WHEN EXCLUDED.digest AND NOT alert_preferences.digest THEN now()
                          ELSE alert_preferences.last_digest_at END,
    updated_at = now()
RETURNING *;

-- name: list_deliveries
-- The project's delivery log, newest first, with a keyset cursor on id.
SELECT id, channel_id, channel_kind, recipient, idempotency_key, kind, incident_ids, triggers,
       subject, status, attempts, next_attempt_at, last_error, delivered_at, created_at,
       updated_at
FROM alert_deliveries
WHERE project_id = :project_id
  AND (:status::text IS NULL OR status = :status)
  AND (:before_id::bigint IS NULL OR id < :before_id)
ORDER BY id DESC
LIMIT :limit;

-- name: get_deliveries
SELECT id, channel_id, channel_kind, recipient, idempotency_key, kind, incident_ids, triggers,
       subject, status, attempts, next_attempt_at, last_error, delivered_at, created_at,
       updated_at
FROM alert_deliveries WHERE id = ANY (:ids::bigint[]) ORDER BY id;
