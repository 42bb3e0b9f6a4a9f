-- Browser sign-ins. The cookie holds a random secret; only its SHA-256 is stored. Each session
-- has its own CSRF secret, which every form of that session must echo back.
CREATE TABLE web_sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    csrf_secret   text NOT NULL CHECK (length(csrf_secret) >= 32),
    -- How the person proved who they are: 'password' now; single sign-on adds its own value.
    method        text NOT NULL DEFAULT 'password',
    user_agent    text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500),
    address       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id, created_at DESC);
