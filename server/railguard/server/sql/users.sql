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

-- name: login_failure_counts^
-- Failures in the last hour from one address: all of them, and those for one account.
SELECT count(*) AS by_address, count(*) FILTER (WHERE lower(email) = lower(:email)) AS by_pair
FROM login_failures
WHERE address = :address AND failed_at > now() - interval '1 hour';

-- name: record_login_failure!
INSERT INTO login_failures (email, address) VALUES (:email, :address);

-- name: clear_login_failures!
-- A success forgets only its own address's failures for the account.
DELETE FROM login_failures WHERE lower(email) = lower(:email) AND address = :address;

-- name: prune_login_failures$
-- Called by the periodic maintenance pass (retention.py); answers how many went.
WITH gone AS (DELETE FROM login_failures WHERE failed_at < now() - interval '1 day' RETURNING 1)
SELECT count(*) FROM gone;
