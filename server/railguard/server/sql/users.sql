-- name: create_user<!
-- Create a user; a duplicate email (any case) raises unique_violation.
INSERT INTO users (email, display_name, password_hash)
VALUES (:email, :display_name, :password_hash)
RETURNING id, email, display_name, created_at;

-- name: get_user_by_email^
SELECT id, email, display_name, password_hash, created_at
FROM users WHERE lower(email) = lower(:email);

-- name: get_user^
SELECT id, email, display_name, created_at FROM users WHERE id = :user_id;

-- name: count_login_failures$
-- Failures in the last hour for an account or an address.
SELECT count(*) FROM login_failures
WHERE failed_at > now() - interval '1 hour'
  AND ((:by_email AND lower(email) = lower(:email)) OR (NOT :by_email AND address = :address));

-- name: record_login_failure!
INSERT INTO login_failures (email, address) VALUES (:email, :address);

-- name: clear_login_failures!
DELETE FROM login_failures WHERE lower(email) = lower(:email);

-- name: prune_login_failures!
DELETE FROM login_failures WHERE failed_at < now() - interval '1 day';
