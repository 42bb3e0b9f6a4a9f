-- People curating incidents: merging one incident into another (and undoing it), a trash of
-- deleted incidents restorable for 30 days, the distinct users each incident affected, and the
-- hashed n-gram vector used to find similar incidents (docs/WEB.md).
ALTER TABLE incidents ADD COLUMN merged_into bigint REFERENCES incidents (id) ON DELETE SET NULL;
ALTER TABLE incidents ADD COLUMN deleted_at timestamptz;
ALTER TABLE incidents ADD COLUMN deleted_by bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE incidents ADD COLUMN user_count bigint NOT NULL DEFAULT 0;
-- 256 float16 values, L2-normalised (docs/WEB.md#similar-incidents); NULL until computed.
ALTER TABLE incidents ADD COLUMN similarity_vector bytea;
CREATE INDEX incidents_merged_into_idx ON incidents (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX incidents_deleted_idx ON incidents (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX incidents_project_users_idx ON incidents (project_id, user_count DESC, id DESC);

-- What the target looked like before a merge, so an unmerge can give it back its own numbers.
CREATE TABLE incident_merges (
    source_id          bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    target_id          bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    merged_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    merged_at          timestamptz NOT NULL DEFAULT now(),
    target_first_seen  timestamptz NOT NULL,
    target_last_seen   timestamptz NOT NULL
);
CREATE INDEX incident_merges_target_idx ON incident_merges (target_id);

-- One row per distinct user (hash of id, email, username or address) an incident's own events
-- named; incidents.user_count counts its group's distinct keys.
CREATE TABLE incident_users (
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_key     bytea NOT NULL,
    PRIMARY KEY (incident_id, user_key)
);

CREATE INDEX projects_deleted_idx ON projects (deleted_at) WHERE deleted_at IS NOT NULL;
