-- DSN keys: public identifiers that allow submission only, so they are stored readable.
CREATE TABLE ingest_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    public_key    text NOT NULL UNIQUE CHECK (public_key ~ '^[0-9a-f]{32}$'),
    label         text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    -- Events per minute admitted for this key; NULL means the server default.
    rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    usage_count   bigint NOT NULL DEFAULT 0
);
CREATE INDEX ingest_keys_project_idx ON ingest_keys (project_id);
