-- name: create_project^
INSERT INTO projects (name, owner_id, organization_id, repository, platform, path_rules)
VALUES (:name, :owner_id, :organization_id, :repository, :platform, :path_rules)
RETURNING id, organization_id, name, repository, platform, path_rules, created_at, updated_at;

-- name: list_projects
-- Live projects of the user's organisations, optionally only those of a repository identity.
SELECT p.id, p.organization_id, p.name, p.repository, p.platform, p.path_rules, p.created_at, p.updated_at, m.role
FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = :user_id
WHERE p.deleted_at IS NULL
  AND (:repository::text IS NULL OR lower(p.repository) = lower(:repository))
ORDER BY p.id;

-- name: get_project^
-- One live project, only if the user is a member (else no row: 404, never a leak).
SELECT p.id, p.organization_id, p.name, p.repository, p.platform, p.path_rules, p.created_at, p.updated_at, m.role
FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = :user_id
WHERE p.id = :project_id AND p.deleted_at IS NULL;

-- name: update_project^
UPDATE projects SET
    name = coalesce(:name, name),
    repository = coalesce(:repository, repository),
    platform = CASE WHEN :set_platform THEN :platform ELSE platform END,
    path_rules = coalesce(:path_rules, path_rules),
    updated_at = now()
WHERE id = :project_id AND deleted_at IS NULL
RETURNING id, organization_id, name, repository, platform, path_rules, created_at, updated_at;

-- name: soft_delete_project!
UPDATE projects SET deleted_at = now(), updated_at = now()
WHERE id = :project_id AND deleted_at IS NULL;

-- name: list_members
SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
FROM project_members m JOIN users u ON u.id = m.user_id
WHERE m.project_id = :project_id ORDER BY m.created_at, m.user_id;

-- name: get_project_path_rules$
SELECT path_rules FROM projects WHERE id = :project_id;

-- name: project_exists$
SELECT EXISTS (SELECT 1 FROM projects WHERE id = :project_id AND deleted_at IS NULL);

-- name: all_projects
-- Every live project with its owner's email, for operators.
SELECT p.id, p.organization_id, p.name, p.repository, u.email AS owner, p.created_at
FROM projects p JOIN users u ON u.id = p.owner_id
WHERE p.deleted_at IS NULL ORDER BY p.id;

-- name: member_project_ids
-- Every live project the user belongs to, for searches across projects.
SELECT m.project_id
  FROM project_members m
  JOIN projects p ON p.id = m.project_id AND p.deleted_at IS NULL
 WHERE m.user_id = :user_id;
