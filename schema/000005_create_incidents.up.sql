-- Every change to an incident takes the next value; the live feed resumes from it.
CREATE SEQUENCE incident_change_seq;

-- An incident is a group of events with one fingerprint.
CREATE TABLE incidents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id        bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    grouping_version  integer NOT NULL,
    fingerprint       text NOT NULL,
    grouping_parts    jsonb NOT NULL DEFAULT '[]'::jsonb,
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'acknowledged', 'resolved', 'ignored')),
    level             text NOT NULL DEFAULT 'error',
    error_type        text NOT NULL DEFAULT '',
    message           text NOT NULL DEFAULT '',
    environments      text[] NOT NULL DEFAULT '{}',
    event_count       bigint NOT NULL DEFAULT 0,
    first_seen        timestamptz NOT NULL,
    last_seen         timestamptz NOT NULL,
    first_commit      text,
    latest_commit     text,
    -- Top in-app frame, flattened for the per-file query; the whole frame is in top_frame.
    frame_path        text,
    frame_line        integer,
    frame_column      integer,
    top_frame         jsonb,
    latest_stack      jsonb NOT NULL DEFAULT '[]'::jsonb,
    latest_event_id   uuid,
    acknowledged_at   timestamptz,
    acknowledged_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    resolved_at       timestamptz,
    resolved_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    -- HEAD of the person resolving, and the deployed commit at that moment: an event from any
    -- other deploy after the resolve is a regression; one from the old deploy is not.
    resolved_commit   text,
    resolved_deploy_commit text,
    regressed_at      timestamptz,
    regression_count  integer NOT NULL DEFAULT 0,
    -- Seconds from first_seen (or the last regression) to the latest resolve.
    time_to_resolve   double precision,
    change_seq        bigint NOT NULL DEFAULT nextval('incident_change_seq'),
    change_kind       text NOT NULL DEFAULT 'new'
                      CHECK (change_kind IN ('new', 'updated', 'resolved', 'reopened',
                                             'acknowledged', 'ignored', 'regressed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, grouping_version, fingerprint)
);
CREATE INDEX incidents_project_status_path_idx ON incidents (project_id, status, frame_path);
-- Path-suffix lookups (`path=` matching `.../app/x.py`) as a range on the reversed path.
CREATE INDEX incidents_project_rpath_idx ON incidents (project_id, (reverse(frame_path) COLLATE "C"));
CREATE INDEX incidents_project_last_seen_idx ON incidents (project_id, last_seen DESC, id DESC);
CREATE INDEX incidents_project_change_idx ON incidents (project_id, change_seq);

-- Release name to commit, for SDKs whose release is not a commit SHA.
CREATE TABLE releases (
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version     text NOT NULL CHECK (length(version) BETWEEN 1 AND 200),
    commit_sha  text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{7,64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, version)
);
