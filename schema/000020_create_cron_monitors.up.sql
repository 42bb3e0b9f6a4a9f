-- Cron monitors and their check-ins (docs/logs-and-health.md). A monitor is created by the
-- first check-in that carries a `monitor_config`; `deadline_at` is when the next check-in is
-- late (the next scheduled time plus the margin), found by the servers' periodic pass.
CREATE TABLE cron_monitors (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id        bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    slug              text NOT NULL CHECK (length(slug) BETWEEN 1 AND 100),
    schedule_type     text NOT NULL CHECK (schedule_type IN ('crontab', 'interval')),
    -- crontab: the expression; interval: "<n> <unit>" (minute, hour, day, week, month, year)
    schedule          text NOT NULL,
    timezone          text NOT NULL DEFAULT 'UTC',
    checkin_margin    integer NOT NULL DEFAULT 1 CHECK (checkin_margin >= 0),  -- minutes
    max_runtime       integer NOT NULL DEFAULT 30 CHECK (max_runtime > 0),    -- minutes
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'ok', 'error', 'missed', 'timeout')),
    last_checkin_at   timestamptz,
    expected_at       timestamptz,
    deadline_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, slug)
);
CREATE INDEX cron_monitors_deadline_idx ON cron_monitors (deadline_at);

-- status: in_progress | ok | error (from the SDK) | missed | timeout (found by the server).
CREATE TABLE cron_checkins (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id    bigint NOT NULL REFERENCES cron_monitors (id) ON DELETE CASCADE,
    checkin_id    uuid NOT NULL,
    status        text NOT NULL
                  CHECK (status IN ('in_progress', 'ok', 'error', 'missed', 'timeout')),
    duration_ms   double precision,
    environment   text,
    release       text,
    started_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    -- An in_progress check-in not finished by then has timed out (started + max_runtime).
    timeout_at    timestamptz,
    UNIQUE (monitor_id, checkin_id)
);
CREATE INDEX cron_checkins_monitor_idx ON cron_checkins (monitor_id, started_at DESC);
CREATE INDEX cron_checkins_timeout_idx ON cron_checkins (timeout_at) WHERE status = 'in_progress';
