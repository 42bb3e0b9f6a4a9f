-- name: changes_since
-- Incidents changed after a feed cursor, oldest change first (all projects: the hub fans out).
SELECT i.*, p.repository
FROM incidents i JOIN projects p ON p.id = i.project_id
WHERE i.change_seq > :since
ORDER BY i.change_seq
LIMIT :limit;

-- name: project_changes_since
-- One project's incidents changed after a cursor, for a subscriber catching up.
SELECT i.* FROM incidents i
WHERE i.project_id = :project_id AND i.change_seq > :since
ORDER BY i.change_seq
LIMIT :limit;

-- name: max_change_seq$
SELECT coalesce(max(change_seq), 0) FROM incidents;

-- name: list_incidents
-- A project's incidents, newest activity first, with optional filters and a keyset cursor
-- (merged and deleted ones are hidden).
SELECT i.* FROM incidents i
WHERE i.project_id = :project_id AND i.merged_into IS NULL AND i.deleted_at IS NULL
  AND (:statuses::text[] IS NULL OR i.status = ANY (:statuses))
  AND (:path::text IS NULL OR i.frame_path = :path
       -- ends with "/<path>": a range on the reversed path, so the rpath index serves it
       OR (reverse(i.frame_path) COLLATE "C" >= reverse('/' || :path) COLLATE "C"
           AND reverse(i.frame_path) COLLATE "C" < (reverse('/' || :path) || chr(1114111)) COLLATE "C"))
  AND (:environment::text IS NULL OR :environment = ANY (i.environments))
  AND (:since::timestamptz IS NULL OR i.last_seen >= :since)
  AND (:awaiting_deploy::boolean IS NOT TRUE
       OR (i.resolved_commit IS NOT NULL AND i.fix_deployed_commit IS NULL))
  AND (:cursor_seen::timestamptz IS NULL OR (i.last_seen, i.id) < (:cursor_seen, :cursor_id))
ORDER BY i.last_seen DESC, i.id DESC
LIMIT :limit;

-- name: get_incident_for_user^
-- An incident, only if the user is a member of its live project and it is not in the trash.
SELECT i.* FROM incidents i
JOIN projects p ON p.id = i.project_id AND p.deleted_at IS NULL
JOIN project_members m ON m.project_id = i.project_id AND m.user_id = :user_id
WHERE i.id = :incident_id AND i.deleted_at IS NULL;

-- name: recent_events
SELECT event_id, received_at, occurred_at, level, message, commit_sha, commit_source,
       environment, release, tags
FROM events WHERE incident_id = :incident_id
ORDER BY received_at DESC LIMIT :limit;

-- name: set_incident_status^
-- Change status as a person asked; records who, when, and for resolve the commits involved.
UPDATE incidents SET
    status = :status,
    acknowledged_at = CASE WHEN :status = 'acknowledged' THEN now() ELSE acknowledged_at END,
    acknowledged_by = CASE WHEN :status = 'acknowledged' THEN :user_id ELSE acknowledged_by END,
    resolved_at = CASE WHEN :status = 'resolved' THEN now()
                       WHEN :status = 'open' THEN NULL ELSE resolved_at END,
    resolved_by = CASE WHEN :status = 'resolved' THEN :user_id
                       WHEN :status = 'open' THEN NULL ELSE resolved_by END,
    resolved_commit = CASE WHEN :status = 'resolved' THEN :commit
                           WHEN :status = 'open' THEN NULL ELSE resolved_commit END,
    resolved_deploy_commit = CASE WHEN :status = 'resolved' THEN latest_commit
                                  ELSE resolved_deploy_commit END,
    fix_deployed_commit = CASE WHEN :status = 'resolved' THEN NULL ELSE fix_deployed_commit END,
    fix_ancestry_unknown = CASE WHEN :status = 'resolved' THEN false
                                ELSE fix_ancestry_unknown END,
    time_to_resolve = CASE WHEN :status = 'resolved'
                           THEN extract(epoch FROM now() - coalesce(regressed_at, first_seen))
                           ELSE time_to_resolve END,
    change_kind = :change_kind,
    change_seq = nextval('incident_change_seq'),
    updated_at = now()
WHERE id = :incident_id
RETURNING *;

-- name: create_release^
INSERT INTO releases (project_id, version, commit_sha) VALUES (:project_id, :version, :commit_sha)
ON CONFLICT (project_id, version) DO UPDATE SET commit_sha = EXCLUDED.commit_sha
RETURNING project_id, version, commit_sha AS commit, created_at;
