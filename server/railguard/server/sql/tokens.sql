-- name: create_token^
INSERT INTO api_tokens (user_id, name, token_hash, prefix, expires_at, scopes, device_name)
VALUES (:user_id, :name, :token_hash, :prefix, :expires_at,
        coalesce(:scopes::text[], '{read,triage,admin}'), :device_name)
RETURNING id, name, prefix, created_at, last_used_at, expires_at, revoked_at, scopes, device_name;

-- name: list_tokens
SELECT id, name, prefix, created_at, last_used_at, expires_at, revoked_at, scopes, device_name
FROM api_tokens WHERE user_id = :user_id ORDER BY id;

-- name: revoke_token^
-- Revoke one of the user's own tokens; no row means not theirs (or unknown).
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
WHERE id = :token_id AND user_id = :user_id
RETURNING id, name, prefix, created_at, last_used_at, expires_at, revoked_at, scopes, device_name;

-- name: authenticate_token^
-- The live token's user; bumps last_used_at at most once a minute to spare writes.
WITH live AS (
    SELECT t.id, t.user_id, t.scopes FROM api_tokens t
    WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
), touched AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE id IN (SELECT id FROM live)
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
)
SELECT u.id, u.email, u.display_name, u.created_at, live.id AS token_id, live.scopes
FROM live JOIN users u ON u.id = live.user_id;

-- name: token_state$
-- Why a token failed: 'revoked', 'expired' or NULL (unknown).
SELECT CASE WHEN revoked_at IS NOT NULL THEN 'revoked' ELSE 'expired' END
FROM api_tokens WHERE token_hash = :token_hash;
