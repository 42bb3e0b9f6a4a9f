-- name: user_by_identity$
-- The account a provider's subject is linked to; bumps when it was last used.
UPDATE user_identities SET last_used_at = now(), email = :email
WHERE provider = :provider AND subject = :subject
RETURNING user_id;

-- name: link_identity!
INSERT INTO user_identities (provider, subject, user_id, email)
VALUES (:provider, :subject, :user_id, :email)
ON CONFLICT (provider, subject) DO NOTHING;

-- name: count_users$
SELECT count(*) FROM users;

-- name: save_sso_state!
INSERT INTO sso_states (state_hash, provider, nonce, code_verifier, next_path, expires_at)
VALUES (:state_hash, :provider, :nonce, :code_verifier, :next_path, :expires_at);

-- name: take_sso_state^
-- The sign-in started with this state, removed so it cannot be used twice.
DELETE FROM sso_states WHERE state_hash = :state_hash
RETURNING provider, nonce, code_verifier, next_path, expires_at > now() AS live;

-- name: prune_sso_states!
DELETE FROM sso_states WHERE expires_at < now();
