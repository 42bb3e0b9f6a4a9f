-- name: record_audit!
INSERT INTO audit_log (organization_id, actor_id, action, target, detail, address)
VALUES (:organization_id, :actor_id, :action, :target, :detail, :address);

-- name: record_audit_for_user!
-- One entry in every organisation the user belongs to (sign-ins, tokens: personal actions).
INSERT INTO audit_log (organization_id, actor_id, action, target, detail, address)
SELECT m.organization_id, :actor_id, :action, :target, :detail, :address
  FROM organization_members m WHERE m.user_id = :actor_id;

-- name: record_audit_for_project!
INSERT INTO audit_log (organization_id, actor_id, action, target, detail, address)
SELECT p.organization_id, :actor_id, :action, :target, :detail, :address
  FROM projects p WHERE p.id = :project_id;

-- name: list_audit
-- Newest first; `before` is the id cursor of the previous page.
SELECT a.id, a.organization_id, a.actor_id, u.email AS actor_email, a.action, a.target,
       a.detail, a.address, a.created_at
  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
 WHERE a.organization_id = :organization_id
   AND (:before::bigint IS NULL OR a.id < :before)
 ORDER BY a.id DESC
 LIMIT :limit;
