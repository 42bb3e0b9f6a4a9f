-- A project is one repository's production app. Its numeric id is the project id of a Sentry DSN.
CREATE TABLE projects (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    owner_id      bigint NOT NULL REFERENCES users (id),
    -- Repository identity normalised as host/owner/name (GitLab subgroups keep every segment).
    repository    text NOT NULL CHECK (repository ~ '^[a-z0-9.-]+(/[^/]+){2,}$'),
    platform      text,
    -- Rules that turn SDK frame paths into repository-relative paths:
    -- [{"strip_prefix": "/srv/app/"}, {"source_root": "services/api/"}, ...]
    path_rules    jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
CREATE UNIQUE INDEX projects_repository_live_key ON projects (lower(repository))
    WHERE deleted_at IS NULL;
CREATE INDEX projects_owner_idx ON projects (owner_id);

CREATE TABLE project_members (
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);
