-- Who a person is at a sign-in provider (GitHub, an OpenID Connect issuer): the provider's
-- stable subject, linked to one Railguard account (docs/sign-in.md).
CREATE TABLE user_identities (
    provider    text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- A sign-in in flight: the state the browser carries to the provider and back, with the
-- nonce and PKCE verifier it was started with. Used once; expired ones are pruned.
CREATE TABLE sso_states (
    state_hash     bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    provider       text NOT NULL,
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,
    next_path      text NOT NULL DEFAULT '/',
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);

-- People asking to be let in while sign-up is invite-only.
CREATE TABLE access_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    name         text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    reason       text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    decided_by   bigint REFERENCES users (id) ON DELETE SET NULL
);
-- One open or approved request per address; a declined one may be asked again.
CREATE UNIQUE INDEX access_requests_email_key ON access_requests (lower(email))
    WHERE status IN ('pending', 'approved');
