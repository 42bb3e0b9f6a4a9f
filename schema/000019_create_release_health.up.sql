-- Release health from SDK sessions (docs/logs-and-health.md): per project, release, environment
-- and UTC hour (of the session's start), how many sessions started and how each one ended
-- (exactly one of exited, errored, crashed, abnormal), and the distinct users (the sessions'
-- `did`) with whether any of their sessions crashed or errored.
CREATE TABLE session_counts (
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release      text NOT NULL,
    environment  text NOT NULL,
    hour         timestamptz NOT NULL,
    started      bigint NOT NULL DEFAULT 0,
    exited       bigint NOT NULL DEFAULT 0,
    errored      bigint NOT NULL DEFAULT 0,
    crashed      bigint NOT NULL DEFAULT 0,
    abnormal     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, release, environment, hour)
);
CREATE INDEX session_counts_hour_idx ON session_counts (project_id, hour DESC);

CREATE TABLE session_users (
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release      text NOT NULL,
    environment  text NOT NULL,
    distinct_id  text NOT NULL,
    crashed      boolean NOT NULL DEFAULT false,
    errored      boolean NOT NULL DEFAULT false,
    last_seen    timestamptz NOT NULL,
    PRIMARY KEY (project_id, release, environment, distinct_id)
);
