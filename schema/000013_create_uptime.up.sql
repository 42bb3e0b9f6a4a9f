-- Uptime monitoring: agents that run checks, monitors, outages, hourly rollups and the alert
-- seam. Heartbeats (every check result) are in the next migration, partitioned by day.

-- An external agent: a process elsewhere that checks a project's monitors from its network.
-- Its key is stored as a SHA-256 digest only (the server verifies, never sends it back).
CREATE TABLE uptime_agents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    key_hash      bytea NOT NULL UNIQUE,
    key_prefix    text NOT NULL,
    can_ping      boolean,
    hostname      text,
    version       text,
    last_seen_at  timestamptz,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uptime_agents_project_idx ON uptime_agents (project_id);

CREATE TABLE monitors (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id            bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                  text NOT NULL CHECK (kind IN ('http', 'tcp', 'ping', 'dns')),
    -- The kind's settings as validated by the wire model (url, method, host, port, ...).
    config                jsonb NOT NULL,
    interval_seconds      integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 86400),
    timeout_seconds       double precision NOT NULL
                          CHECK (timeout_seconds > 0 AND timeout_seconds <= interval_seconds),
    retries               integer NOT NULL CHECK (retries BETWEEN 0 AND 10),
    enabled               boolean NOT NULL DEFAULT true,
    -- NULL: the built-in agent (any server process); else only this external agent runs it.
    agent_id              bigint REFERENCES uptime_agents (id) ON DELETE SET NULL,
    state                 text NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending', 'up', 'down', 'unknown')),
    consecutive_failures  integer NOT NULL DEFAULT 0,
    -- When the current run of failures began: an outage starts there, not at its retries' end.
    failing_since         timestamptz,
    last_checked_at       timestamptz,
    last_error            text,
    last_latency_ms       double precision,
    cert_expires_at       timestamptz,
    -- The certificate expiry an alert was recorded for (one alert per certificate).
    cert_alerted_for      timestamptz,
    -- The next slot to run; a claim moves it forward past now(), so it is taken once.
    next_run_at           timestamptz NOT NULL DEFAULT now(),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitors_project_idx ON monitors (project_id, id);
CREATE INDEX monitors_due_idx ON monitors (next_run_at) WHERE enabled;
CREATE INDEX monitors_agent_idx ON monitors (agent_id) WHERE agent_id IS NOT NULL;

-- An outage: opened when a monitor goes down after its retries, resolved when it recovers.
CREATE TABLE outages (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id        bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    monitor_id        bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    started_at        timestamptz NOT NULL,
    first_error       text,
    acknowledged_at   timestamptz,
    acknowledged_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    resolved_at       timestamptz,
    time_to_resolve   double precision,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- At most one open outage per monitor, whatever process crashed where.
CREATE UNIQUE INDEX outages_one_open_idx ON outages (monitor_id) WHERE resolved_at IS NULL;
CREATE INDEX outages_project_idx ON outages (project_id, started_at DESC);

-- Hourly rollups of heartbeats: counts and a fixed log-scale latency histogram, so uptime and
-- percentiles over 30 days read at most 720 rows per monitor.
CREATE TABLE uptime_rollups (
    monitor_id      bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    bucket          timestamptz NOT NULL,
    checks          integer NOT NULL DEFAULT 0,
    up              integer NOT NULL DEFAULT 0,
    latency_hist    integer[] NOT NULL,
    PRIMARY KEY (monitor_id, bucket)
);

-- The alert seam: down, recovered and certificate-expiring events, written in the same
-- transaction as the state change that caused them; a dispatcher delivers and stamps them.
CREATE TABLE uptime_alerts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    monitor_id    bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    outage_id     bigint REFERENCES outages (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('monitor_down', 'monitor_recovered',
                                                'cert_expiring')),
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz
);
CREATE INDEX uptime_alerts_undelivered_idx ON uptime_alerts (id) WHERE delivered_at IS NULL;
