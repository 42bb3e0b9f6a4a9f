-- name: add_comment^
INSERT INTO incident_comments (incident_id, author_id, body)
VALUES (:incident_id, :author_id, :body)
RETURNING id, incident_id, author_id, body, created_at;

-- name: list_comments
SELECT c.id, c.incident_id, c.author_id, c.body, c.created_at,
       coalesce(u.email, '') AS author_email, coalesce(u.display_name, '') AS author_name
FROM incident_comments c LEFT JOIN users u ON u.id = c.author_id
WHERE c.incident_id = :incident_id
ORDER BY c.id;

-- name: record_activity!
INSERT INTO incident_activity (incident_id, actor_id, kind, detail)
VALUES (:incident_id, :actor_id, :kind, :detail);

-- name: list_activity
SELECT a.id, a.kind, a.detail, a.created_at, a.actor_id,
       coalesce(u.email, '') AS actor_email
FROM incident_activity a LEFT JOIN users u ON u.id = a.actor_id
WHERE a.incident_id = :incident_id
ORDER BY a.id;

-- name: set_assignee^
-- Assign to a member of the incident's project (NULL unassigns); no row if not a member.
UPDATE incidents SET assignee_id = :assignee_id, updated_at = now()
WHERE id = :incident_id
  AND (:assignee_id::bigint IS NULL OR EXISTS (
        SELECT 1 FROM project_members m
        WHERE m.project_id = incidents.project_id AND m.user_id = :assignee_id))
RETURNING id, assignee_id;
