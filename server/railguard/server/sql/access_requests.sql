-- name: create_access_request!
-- A new request, unless the address has an account or a pending or approved request: one
-- statement either way, so the answer (and its time) does not tell which.
INSERT INTO access_requests (email, name, reason)
SELECT :email, :name, :reason
WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(:email))
ON CONFLICT DO NOTHING;

-- name: list_access_requests
SELECT id, email, name, reason, status, created_at, decided_at
FROM access_requests ORDER BY (status = 'pending') DESC, created_at DESC LIMIT 200;

-- name: decide_access_request^
UPDATE access_requests SET status = :status, decided_at = now(), decided_by = :user_id
WHERE id = :request_id AND status = 'pending'
RETURNING id, email, status;

-- name: access_approved$
SELECT EXISTS (SELECT 1 FROM access_requests
               WHERE lower(email) = lower(:email) AND status = 'approved');

-- name: is_instance_admin$
-- Who may decide access requests until roles exist: the first account, or any project owner.
SELECT EXISTS (SELECT 1 FROM users WHERE id = :user_id AND id = (SELECT min(id) FROM users))
    OR EXISTS (SELECT 1 FROM project_members WHERE user_id = :user_id AND role = 'owner');
