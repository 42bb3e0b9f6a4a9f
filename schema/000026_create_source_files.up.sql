-- Source maps and minified files uploaded per release or by debug ID (docs/source-maps.md).
-- Contents are stored once per SHA-256 (`source_blobs`); `source_files` names them.
CREATE TABLE source_blobs (
    sha256      bytea PRIMARY KEY CHECK (length(sha256) = 32),
    size        integer NOT NULL CHECK (size >= 0),
    content     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE source_files (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id     bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- '' when the file was uploaded by debug ID only (no release).
    release        text NOT NULL DEFAULT '' CHECK (length(release) <= 200),
    dist           text NOT NULL DEFAULT '' CHECK (length(dist) <= 64),
    url            text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    kind           text NOT NULL CHECK (kind IN ('minified_source', 'source_map')),
    debug_id       uuid,
    -- A minified file's `sourceMappingURL` (or the bundle manifest's `sourcemap` header).
    sourcemap_ref  text CHECK (length(sourcemap_ref) <= 2048),
    sha256         bytea NOT NULL REFERENCES source_blobs (sha256),
    size           integer NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX source_files_name_idx
    ON source_files (project_id, release, dist, url, kind, coalesce(debug_id::text, ''));
CREATE INDEX source_files_debug_id_idx ON source_files (project_id, debug_id)
    WHERE debug_id IS NOT NULL;
CREATE INDEX source_files_sha_idx ON source_files (sha256);
CREATE INDEX source_files_url_idx ON source_files (project_id, url);

-- A release's files go with it.
CREATE FUNCTION source_files_release_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM source_files WHERE project_id = OLD.project_id AND release = OLD.version;
    RETURN OLD;
END $$;
CREATE TRIGGER releases_drop_source_files AFTER DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION source_files_release_gone();

-- Chunks `sentry-cli` uploads before it asks for a bundle to be assembled; per user, short-lived.
CREATE TABLE upload_chunks (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha1        bytea NOT NULL CHECK (length(sha1) = 20),
    content     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, sha1)
);
