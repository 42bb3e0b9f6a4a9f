-- What each organisation stored per calendar month (UTC), counted in the ingest writer's
-- transaction, and its optional monthly quotas (NULL: unlimited). docs/accounts.md.
CREATE TABLE usage (
    organization_id  bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    month            date NOT NULL CHECK (extract(day FROM month) = 1),
    events           bigint NOT NULL DEFAULT 0,
    -- Categories ingest does not take yet; counted here once it does.
    spans            bigint NOT NULL DEFAULT 0,
    logs             bigint NOT NULL DEFAULT 0,
    monitors         bigint NOT NULL DEFAULT 0,
    -- The highest share of the event quota already announced (80 or 100), so each threshold
    -- is announced once a month by exactly one server.
    notified_percent integer NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, month)
);

ALTER TABLE organizations ADD COLUMN event_quota bigint CHECK (event_quota > 0);
