-- What a token may do (docs/sign-in.md): personal tokens keep every scope; tokens an editor or
-- the CLI obtained through the device flow carry fewer, and the device they were issued to.
ALTER TABLE api_tokens
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,triage,admin}'
        CHECK (scopes <@ '{read,triage,admin}'::text[] AND cardinality(scopes) > 0),
    ADD COLUMN device_name text CHECK (length(device_name) <= 200);

-- Pending device authorizations (RFC 8628). The device code is a secret the polling client
-- holds: only its SHA-256 is stored. The user code is what a person types on the web page.
CREATE TABLE device_authorizations (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_code_hash  bytea NOT NULL UNIQUE CHECK (length(device_code_hash) = 32),
    user_code         text NOT NULL UNIQUE CHECK (user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$'),
    device_name       text NOT NULL CHECK (length(device_name) BETWEEN 1 AND 200),
    address           text NOT NULL DEFAULT '',  -- who asked, for the per-address limit
    scopes            text[] NOT NULL
        CHECK (scopes <@ '{read,triage,admin}'::text[] AND cardinality(scopes) > 0),
    poll_interval     integer NOT NULL CHECK (poll_interval > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    last_polled_at    timestamptz,
    user_id           bigint REFERENCES users (id) ON DELETE CASCADE,
    approved_at       timestamptz,
    denied_at         timestamptz,
    token_id          bigint REFERENCES api_tokens (id) ON DELETE SET NULL,
    CHECK (approved_at IS NULL OR denied_at IS NULL)
);
CREATE INDEX device_authorizations_expires_idx ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_address_idx ON device_authorizations (address, created_at);
