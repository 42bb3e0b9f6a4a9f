-- name: create_device_authorization^
INSERT INTO device_authorizations (device_code_hash, user_code, device_name, scopes,
                                   poll_interval, expires_at, address)
VALUES (:device_code_hash, :user_code, :device_name, :scopes, :poll_interval, :expires_at,
        :address)
RETURNING id;

-- name: recent_device_authorizations$
-- How many sign-ins this address started in the last ten minutes.
SELECT count(*) FROM device_authorizations
WHERE address = :address AND created_at > now() - interval '10 minutes';

-- name: pending_device_authorization^
-- A live, undecided authorization by its user code, for the confirmation page.
SELECT id, user_code, device_name, scopes, created_at, expires_at
FROM device_authorizations
WHERE user_code = :user_code AND expires_at > now()
  AND approved_at IS NULL AND denied_at IS NULL;

-- name: decide_device_authorization^
-- Approve or deny once; no row means unknown, expired or already decided.
UPDATE device_authorizations
SET user_id = :user_id,
    approved_at = CASE WHEN :approve THEN now() END,
    denied_at = CASE WHEN :approve THEN NULL ELSE now() END
WHERE user_code = :user_code AND expires_at > now()
  AND approved_at IS NULL AND denied_at IS NULL
RETURNING id, device_name, scopes;

-- name: lock_device_authorization^
-- The authorization a polling client holds the code of, locked until its poll is answered.
-- `too_fast`: polled again sooner than the interval allows (with a fifth of slack for timers).
SELECT id, user_id, device_name, scopes, token_id, poll_interval,
       expires_at <= now() AS expired, approved_at IS NOT NULL AS approved,
       denied_at IS NOT NULL AS denied,
       coalesce(last_polled_at > now() - make_interval(secs => poll_interval * 0.8), false)
           AS too_fast
FROM device_authorizations WHERE device_code_hash = :device_code_hash
FOR UPDATE;

-- name: record_device_poll!
UPDATE device_authorizations SET last_polled_at = now(), poll_interval = :poll_interval
WHERE id = :id;

-- name: claim_device_token$
-- Tie the issued token to the authorization; only the first claim succeeds.
UPDATE device_authorizations SET token_id = :token_id
WHERE id = :id AND token_id IS NULL AND approved_at IS NOT NULL
RETURNING id;

-- name: prune_device_authorizations!
DELETE FROM device_authorizations WHERE expires_at < now() - interval '1 day';
