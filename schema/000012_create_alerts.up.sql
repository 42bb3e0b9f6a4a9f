-- Alerting: rules and channels per project, per-user preferences, the transactional outbox of
-- decided alerts, and the delivery log. See docs/alerts.md.

-- What deserves an alert. kind: new | regressed | spike | escalation.
CREATE TABLE alert_rules (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind             text NOT NULL CHECK (kind IN ('new', 'regressed', 'spike', 'escalation')),
    enabled          boolean NOT NULL DEFAULT true,
    -- Filters; an empty array / NULL prefix matches everything.
    environments     text[] NOT NULL DEFAULT '{}',
    levels           text[] NOT NULL DEFAULT '{}',
    path_prefix      text,
    -- spike: more than `threshold` events in `window_minutes`, or more than `rate_multiple`
    -- times the incident's usual rate (its previous 24 hours) over that window.
    threshold        integer CHECK (threshold > 0),
    rate_multiple    double precision CHECK (rate_multiple > 1),
    window_minutes   integer NOT NULL DEFAULT 60 CHECK (window_minutes BETWEEN 1 AND 10080),
    -- escalation: still open `after_hours` after it opened (or regressed).
    after_hours      double precision CHECK (after_hours > 0),
    -- At most one alert per incident per rule per this many minutes.
    throttle_minutes integer NOT NULL DEFAULT 60 CHECK (throttle_minutes BETWEEN 0 AND 10080),
    -- Channels to use; empty = every enabled channel of the project.
    channel_ids      bigint[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_project_idx ON alert_rules (project_id) WHERE enabled;

-- Where alerts go. kind: email | webhook | slack | discord | teams.
-- email with no recipients = the project's members (subject to their preferences).
CREATE TABLE alert_channels (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('email', 'webhook', 'slack', 'discord', 'teams')),
    enabled     boolean NOT NULL DEFAULT true,
    recipients  text[] NOT NULL DEFAULT '{}',
    url         text,
    secret      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'email') = (url IS NULL))
);
CREATE INDEX alert_channels_project_idx ON alert_channels (project_id);

-- One person's choices for one project (no row = the defaults: everything, per incident).
CREATE TABLE alert_preferences (
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    enabled      boolean NOT NULL DEFAULT true,
    rule_kinds   text[],            -- NULL = every kind
    channels     text[],            -- 'email', 'editor'; NULL = both
    quiet_until  timestamptz,       -- no mail before this ('infinity' = quiet until turned off)
    digest       boolean NOT NULL DEFAULT false,
    last_digest_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, project_id)
);

-- The transactional outbox: an alert decided in the transaction that changed the incident.
-- dedupe_key makes a decision idempotent (the change_seq for new/regressed, the window for a
-- spike, the open episode for an escalation).
-- No foreign keys: their per-row checks were most of the writer's cost for a batch of new
-- incidents (docs/alerts.md); a decision whose rule or incident is gone is skipped when expanded.
CREATE TABLE alert_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL,
    rule_id      bigint,
    incident_id  bigint,
    trigger      text NOT NULL CHECK (trigger IN ('new', 'regressed', 'spike', 'escalation',
                                                  'test')),
    dedupe_key   text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expanded_at  timestamptz,
    UNIQUE (rule_id, incident_id, dedupe_key)
);
CREATE INDEX alert_outbox_pending_idx ON alert_outbox (id) WHERE expanded_at IS NULL;
CREATE INDEX alert_outbox_throttle_idx ON alert_outbox (rule_id, incident_id, created_at DESC);

-- One message to one recipient over one channel: the delivery log.
-- status: pending | held (waiting for a digest) | delivered | failed | digested.
CREATE TABLE alert_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    channel_id      bigint REFERENCES alert_channels (id) ON DELETE SET NULL,
    channel_kind    text NOT NULL,
    recipient       text NOT NULL,
    user_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    idempotency_key text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('alert', 'summary', 'digest', 'test')),
    outbox_ids      bigint[] NOT NULL DEFAULT '{}',
    incident_ids    bigint[] NOT NULL DEFAULT '{}',
    triggers        text[] NOT NULL DEFAULT '{}',
    subject         text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'held', 'delivered', 'failed', 'digested')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    give_up_at      timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX alert_deliveries_project_idx ON alert_deliveries (project_id, id DESC);
CREATE INDEX alert_deliveries_held_idx ON alert_deliveries (user_id, project_id)
    WHERE status = 'held';
CREATE INDEX alert_deliveries_burst_idx ON alert_deliveries (channel_id, recipient, created_at DESC);

-- Periodic jobs (spike/escalation evaluation, digests) claimed by one server at a time.
CREATE TABLE alert_jobs (
    name        text PRIMARY KEY,
    next_run_at timestamptz NOT NULL DEFAULT now(),
    last_run_at timestamptz
);
INSERT INTO alert_jobs (name) VALUES ('evaluate'), ('digest');

-- Existing projects get the defaults a new project gets.
INSERT INTO alert_channels (project_id, name, kind)
SELECT id, 'Members by email', 'email' FROM projects WHERE deleted_at IS NULL;
INSERT INTO alert_rules (project_id, name, kind, environments)
SELECT p.id, k.name, k.kind, '{production}'
FROM projects p CROSS JOIN (VALUES ('New incident in production', 'new'),
                                   ('Regression in production', 'regressed')) AS k(name, kind)
WHERE p.deleted_at IS NULL;
