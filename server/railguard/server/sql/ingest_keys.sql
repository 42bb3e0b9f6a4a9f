-- name: create_key^
INSERT INTO ingest_keys (project_id, public_key, label, rate_limit_per_minute)
VALUES (:project_id, :public_key, :label, :rate_limit_per_minute)
RETURNING id, project_id, public_key, label, rate_limit_per_minute, created_at, revoked_at,
          last_used_at, usage_count;

-- name: list_keys
SELECT id, project_id, public_key, label, rate_limit_per_minute, created_at, revoked_at,
       last_used_at, usage_count
FROM ingest_keys WHERE project_id = :project_id ORDER BY id;

-- name: revoke_key^
UPDATE ingest_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = :key_id AND project_id = :project_id
RETURNING id, project_id, public_key, label, rate_limit_per_minute, created_at, revoked_at,
          last_used_at, usage_count;

-- name: lookup_key^
-- The key with its live project, for ingest authentication.
SELECT k.id, k.project_id, k.public_key, k.revoked_at, k.rate_limit_per_minute,
       p.path_rules, p.deleted_at, p.scrub_emails, p.scrub_ip_addresses
FROM ingest_keys k JOIN projects p ON p.id = k.project_id
WHERE k.public_key = :public_key;
