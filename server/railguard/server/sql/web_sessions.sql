-- name: create_web_session^
INSERT INTO web_sessions (user_id, token_hash, csrf_secret, method, user_agent, address,
                          expires_at)
VALUES (:user_id, :token_hash, :csrf_secret, :method, :user_agent, :address, :expires_at)
RETURNING id, user_id, csrf_secret, method, created_at, expires_at;

-- name: lookup_web_session^
-- The live session's user; bumps last_seen_at at most once a minute to spare writes.
WITH live AS (
    SELECT s.id, s.user_id, s.csrf_secret FROM web_sessions s
    WHERE s.token_hash = :token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
), touched AS (
    UPDATE web_sessions SET last_seen_at = now()
    WHERE id IN (SELECT id FROM live) AND last_seen_at < now() - interval '1 minute'
)
SELECT live.id AS session_id, live.csrf_secret, u.id, u.email, u.display_name
FROM live JOIN users u ON u.id = live.user_id;

-- name: list_web_sessions
SELECT id, method, user_agent, address, created_at, last_seen_at, expires_at
FROM web_sessions
WHERE user_id = :user_id AND revoked_at IS NULL AND expires_at > now()
ORDER BY last_seen_at DESC, id DESC;

-- name: revoke_web_session$
-- Revoke one of the user's own sessions; no row means not theirs (or already gone).
UPDATE web_sessions SET revoked_at = now()
WHERE id = :session_id AND user_id = :user_id AND revoked_at IS NULL
RETURNING id;
